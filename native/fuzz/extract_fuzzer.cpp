// libFuzzer target: a hostile Docker event payload through every field and
// event_to_string. Built with ASan and UBSan (make -C native fuzz).
#include "../plugin/extractor.h"
#include "../plugin/fields.h"
#include "../plugin/frame.h"

#include <cstring>
#include <vector>

using namespace docker_plugin;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static Extractor extractor;
    static uint64_t evtnum = 0;
    std::vector<uint8_t> record(frame::kHeaderSize + size);
    const uint64_t unknown = frame::kUnknownTs;
    const uint32_t len = uint32_t(record.size()), nparams = 2, four = 4, n = uint32_t(size), id = 0;
    const uint16_t type = uint16_t(frame::Type::Event);
    std::memcpy(&record[0], &unknown, 8);
    std::memcpy(&record[8], &unknown, 8);
    std::memcpy(&record[16], &len, 4);
    std::memcpy(&record[20], &type, 2);
    std::memcpy(&record[22], &nparams, 4);
    std::memcpy(&record[26], &four, 4);
    std::memcpy(&record[30], &n, 4);
    std::memcpy(&record[34], &id, 4);
    if (size) std::memcpy(&record[38], data, size);

    ss_plugin_event_input in{reinterpret_cast<const ss_plugin_event*>(record.data()), ++evtnum, "docker"};
    std::vector<ss_plugin_extract_field> fields(kFieldCount);
    for (size_t i = 0; i < kFieldCount; i++) {
        ss_plugin_extract_field& field = fields[i];
        field.field_id = uint32_t(i);
        field.field = kFields[i].name;
        field.arg_key = kFields[i].source == Source::LabelByArg ? "com.example.role" : "name";
        field.arg_present = takes_key(kFields[i].source);
        field.arg_index = UINT64_MAX;
        field.ftype = uint32_t(kFields[i].type);
    }
    auto check = [](const ss_plugin_extract_field& field) {
        const FieldInfo& info = kFields[field.field_id];
        if (field.res_len > (info.arity == Arity::List ? kMaxListValues : 1)) __builtin_trap();
        for (uint64_t v = 0; v < field.res_len; v++) {
            if (info.type == FieldType::String) {
                volatile size_t touched = std::strlen(field.res.str[v]);  // must be a valid C string
                (void)touched;
            } else if (info.type == FieldType::Bool && field.res.boolean[v] > 1) {
                __builtin_trap();
            }
        }
    };
    // One field per call (libsinsp), then every field in one call (other hosts): results are read
    // only after the call returned, so each field's slot must be its own.
    for (auto& field : fields) {
        ss_plugin_field_extract_input req{};
        req.num_fields = 1;
        req.fields = &field;
        extractor.extract(in, req);
        check(field);
    }
    ss_plugin_field_extract_input all{};
    all.num_fields = uint32_t(fields.size());
    all.fields = fields.data();
    extractor.extract(in, all);
    for (const auto& field : fields) check(field);
    volatile size_t line = std::strlen(extractor.describe(in));
    (void)line;
    return 0;
}
