// Falco plugin C ABI (plugin API 3.12.0) as seen from the host side.
//
// Our own declarations, written from /work/shared/falco-plugin-abi.md; the
// static_asserts pin the LP64 sizes and offsets given there, so a layout
// mistake fails the build instead of corrupting a plugin call.
#pragma once

#include <cstddef>
#include <cstdint>

namespace falco_abi {

// Framework version this loader implements.
constexpr uint32_t kApiMajor = 3;
constexpr uint32_t kApiMinor = 12;
constexpr uint32_t kApiPatch = 0;
constexpr const char* kApiVersionString = "3.12.0";

constexpr size_t kMaxErrorLength = 1024;  // PLUGIN_MAX_ERRLEN

// ss_plugin_rc (an int-sized enum)
using Rc = int32_t;
constexpr Rc kRcSuccess = 0;
constexpr Rc kRcFailure = 1;
constexpr Rc kRcTimeout = -1;
constexpr Rc kRcEof = 2;
constexpr Rc kRcNotSupported = 3;

// ss_plugin_field_type
constexpr uint32_t kFieldUint64 = 8;
constexpr uint32_t kFieldString = 9;
constexpr uint32_t kFieldRelTime = 20;
constexpr uint32_t kFieldAbsTime = 21;
constexpr uint32_t kFieldBool = 25;
constexpr uint32_t kFieldIpAddr = 40;
constexpr uint32_t kFieldIpNet = 41;

// ss_plugin_schema_type
constexpr int32_t kSchemaNone = 0;
constexpr int32_t kSchemaJson = 1;

// ss_plugin_metric_type / ss_plugin_metric_value_type
constexpr int32_t kMetricMonotonic = 0;
constexpr int32_t kMetricNonMonotonic = 1;
constexpr int32_t kMetricU32 = 0;
constexpr int32_t kMetricS32 = 1;
constexpr int32_t kMetricU64 = 2;
constexpr int32_t kMetricS64 = 3;
constexpr int32_t kMetricDouble = 4;
constexpr int32_t kMetricFloat = 5;
constexpr int32_t kMetricInt = 6;

// Plugin events (PPME_PLUGINEVENT_E, 4-byte parameter lengths).
constexpr uint16_t kPluginEventType = 322;
constexpr uint32_t kPluginEventParams = 2;
constexpr uint32_t kPluginEventPayloadOffset = 38;

// Opaque handles.
struct PluginHandle;    // ss_plugin_t
struct InstanceHandle;  // ss_instance_t
struct OwnerHandle;     // ss_plugin_owner_t

#pragma pack(push, 1)
// ss_plugin_event: the common event header (packed, host byte order).
struct Event {
  uint64_t ts;
  uint64_t tid;
  uint32_t len;
  uint16_t type;
  uint32_t nparams;
};
#pragma pack(pop)
static_assert(sizeof(Event) == 26, "ss_plugin_event is 26 bytes");
static_assert(offsetof(Event, ts) == 0 && offsetof(Event, tid) == 8 && offsetof(Event, len) == 16 &&
                  offsetof(Event, type) == 20 && offsetof(Event, nparams) == 22,
              "ss_plugin_event offsets");

using OwnerLastErrorFn = const char* (*)(OwnerHandle*);
using LogFn = void (*)(OwnerHandle*, const char* component, const char* msg, int32_t severity);

// ss_plugin_init_input
struct InitInput {
  const char* config;
  OwnerHandle* owner;
  OwnerLastErrorFn get_owner_last_error;
  const void* tables;  // ss_plugin_init_tables_input*; always NULL here
  LogFn log_fn;
};
static_assert(sizeof(InitInput) == 40, "ss_plugin_init_input is 40 bytes");
static_assert(offsetof(InitInput, config) == 0 && offsetof(InitInput, owner) == 8 &&
                  offsetof(InitInput, get_owner_last_error) == 16 && offsetof(InitInput, tables) == 24 &&
                  offsetof(InitInput, log_fn) == 32,
              "ss_plugin_init_input offsets");

// ss_plugin_event_input
struct EventInput {
  const Event* evt;
  uint64_t evtnum;
  const char* evtsrc;
};
static_assert(sizeof(EventInput) == 24, "ss_plugin_event_input is 24 bytes");
static_assert(offsetof(EventInput, evtnum) == 8 && offsetof(EventInput, evtsrc) == 16,
              "ss_plugin_event_input offsets");

// ss_plugin_byte_buffer
struct ByteBuffer {
  uint32_t len;
  const void* ptr;
};
static_assert(sizeof(ByteBuffer) == 16 && offsetof(ByteBuffer, ptr) == 8, "ss_plugin_byte_buffer layout");

// ss_plugin_extract_field
struct ExtractField {
  union {
    const char** str;
    uint64_t* u64;
    uint32_t* u32;
    uint32_t* boolean;
    ByteBuffer* buf;
  } res;
  uint64_t res_len;
  uint32_t field_id;
  const char* field;
  const char* arg_key;
  uint64_t arg_index;
  uint32_t arg_present;
  uint32_t ftype;
  uint32_t flist;
};
static_assert(sizeof(ExtractField) == 64, "ss_plugin_extract_field is 64 bytes");
static_assert(offsetof(ExtractField, res_len) == 8 && offsetof(ExtractField, field_id) == 16 &&
                  offsetof(ExtractField, field) == 24 && offsetof(ExtractField, arg_key) == 32 &&
                  offsetof(ExtractField, arg_index) == 40 && offsetof(ExtractField, arg_present) == 48 &&
                  offsetof(ExtractField, ftype) == 52 && offsetof(ExtractField, flist) == 56,
              "ss_plugin_extract_field offsets");

// ss_plugin_table_reader_vtable (deprecated, embedded by value): four entry points we never provide.
struct TableReaderVtable {
  void* entries[4];
};
static_assert(sizeof(TableReaderVtable) == 32, "ss_plugin_table_reader_vtable is 32 bytes");

// ss_plugin_extract_value_offsets (3.11): the plugin points these at its own arrays.
struct ExtractValueOffsets {
  uint32_t* start;
  uint32_t* length;
};
static_assert(sizeof(ExtractValueOffsets) == 16, "ss_plugin_extract_value_offsets is 16 bytes");

// ss_plugin_field_extract_input
struct FieldExtractInput {
  OwnerHandle* owner;
  OwnerLastErrorFn get_owner_last_error;
  uint32_t num_fields;
  ExtractField* fields;
  TableReaderVtable table_reader;
  const void* table_reader_ext;
  ExtractValueOffsets* value_offsets;
};
static_assert(sizeof(FieldExtractInput) == 80, "ss_plugin_field_extract_input is 80 bytes");
static_assert(offsetof(FieldExtractInput, get_owner_last_error) == 8 &&
                  offsetof(FieldExtractInput, num_fields) == 16 && offsetof(FieldExtractInput, fields) == 24 &&
                  offsetof(FieldExtractInput, table_reader) == 32 &&
                  offsetof(FieldExtractInput, table_reader_ext) == 64 &&
                  offsetof(FieldExtractInput, value_offsets) == 72,
              "ss_plugin_field_extract_input offsets");

// ss_plugin_metric
struct Metric {
  const char* name;
  int32_t type;
  union {
    uint32_t u32;
    int32_t s32;
    uint64_t u64;
    int64_t s64;
    double d;
    float f;
    int i;
  } value;
  int32_t value_type;
};
static_assert(sizeof(Metric) == 32, "ss_plugin_metric is 32 bytes");
static_assert(offsetof(Metric, type) == 8 && offsetof(Metric, value) == 16 && offsetof(Metric, value_type) == 24,
              "ss_plugin_metric offsets");

// ss_plugin_set_config_input
struct SetConfigInput {
  const char* config;
};
static_assert(sizeof(SetConfigInput) == 8, "ss_plugin_set_config_input is 8 bytes");

// Exported symbols (all "plugin_<name>", C linkage). Only the ones the
// loader calls have precise types; the rest are resolved for capability
// detection and never called.
struct Api {
  // common
  const char* (*get_required_api_version)() = nullptr;
  const char* (*get_version)() = nullptr;
  const char* (*get_name)() = nullptr;
  const char* (*get_description)() = nullptr;
  const char* (*get_contact)() = nullptr;
  const char* (*get_init_schema)(int32_t* schema_type) = nullptr;
  PluginHandle* (*init)(const InitInput* in, Rc* rc) = nullptr;
  void (*destroy)(PluginHandle* s) = nullptr;
  const char* (*get_last_error)(PluginHandle* s) = nullptr;
  Rc (*set_config)(PluginHandle* s, const SetConfigInput* in) = nullptr;
  Metric* (*get_metrics)(PluginHandle* s, uint32_t* n) = nullptr;
  const char* (*get_required_event_schema_version)(PluginHandle* s) = nullptr;
  // event sourcing
  uint32_t (*get_id)() = nullptr;
  const char* (*get_event_source)() = nullptr;
  InstanceHandle* (*open)(PluginHandle* s, const char* params, Rc* rc) = nullptr;
  void (*close)(PluginHandle* s, InstanceHandle* h) = nullptr;
  Rc (*next_batch)(PluginHandle* s, InstanceHandle* h, uint32_t* nevts, Event*** evts) = nullptr;
  const char* (*get_progress)(PluginHandle* s, InstanceHandle* h, uint32_t* progress_pct) = nullptr;
  const char* (*list_open_params)(PluginHandle* s, Rc* rc) = nullptr;
  const char* (*event_to_string)(PluginHandle* s, const EventInput* evt) = nullptr;
  // field extraction
  const char* (*get_fields)() = nullptr;
  Rc (*extract_fields)(PluginHandle* s, const EventInput* evt, const FieldExtractInput* in) = nullptr;
  const char* (*get_extract_event_sources)() = nullptr;
  uint16_t* (*get_extract_event_types)(uint32_t* numtypes, PluginHandle* s) = nullptr;
  // event parsing, async events, capture listening: presence only
  void* parse_event = nullptr;
  void* get_parse_event_sources = nullptr;
  void* get_parse_event_types = nullptr;
  void* get_async_events = nullptr;
  void* get_async_event_sources = nullptr;
  void* set_async_event_handler = nullptr;
  void* dump_state = nullptr;
  void* capture_open = nullptr;
  void* capture_close = nullptr;
};

}  // namespace falco_abi
