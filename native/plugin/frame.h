// The plugin's end of the engine frame format (docs/engine-protocol.md; the
// engine's end is src/frame.ts). A frame is laid out exactly as a Falco plugin
// event, so event frames are handed to Falco straight from the read buffer.
#pragma once

#include "falco_plugin_abi.h"

#include <cstdint>
#include <cstring>

namespace docker_plugin::frame {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "frames are little-endian");

constexpr uint32_t kProtocolVersion = 1;
constexpr uint32_t kHeaderSize = SS_PLUGIN_EVENT_PAYLOAD_OFFSET;
constexpr uint32_t kNParams = SS_PLUGIN_EVENT_NPARAMS;
constexpr uint32_t kPluginIdParamLen = SS_PLUGIN_EVENT_PLUGIN_ID_LEN;
constexpr uint64_t kUnknownTs = UINT64_MAX;

enum class Type : uint16_t {
    Event = SS_PLUGIN_EVENT_TYPE_PLUGIN,
    Ready = 0x8001,
    Error = 0x8002,
    Stats = 0x8003,
    End = 0x8004,
};

struct Header {
    uint64_t ts;
    uint32_t len;
    uint16_t type;
    uint32_t payload_len;
};

inline uint16_t read_u16(const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}
inline uint32_t read_u32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}
inline uint64_t read_u64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

inline bool is_known_type(uint16_t t) {
    return t == uint16_t(Type::Event) || (t >= uint16_t(Type::Ready) && t <= uint16_t(Type::End));
}

enum class HeaderCheck { Ok, BadNParams, BadParamLen, BadLength, BadType, TooLarge };

// Reads and checks the 38-byte header at p (which must hold kHeaderSize bytes).
inline HeaderCheck parse_header(const uint8_t* p, uint32_t max_payload, Header& out) {
    out.ts = read_u64(p + 0);
    out.len = read_u32(p + 16);
    out.type = read_u16(p + 20);
    const uint32_t nparams = read_u32(p + 22);
    const uint32_t param1_len = read_u32(p + 26);
    out.payload_len = read_u32(p + 30);
    if (nparams != kNParams) return HeaderCheck::BadNParams;
    if (param1_len != kPluginIdParamLen) return HeaderCheck::BadParamLen;
    if (out.payload_len > max_payload) return HeaderCheck::TooLarge;
    if (out.len != kHeaderSize + out.payload_len) return HeaderCheck::BadLength;
    if (!is_known_type(out.type)) return HeaderCheck::BadType;
    return HeaderCheck::Ok;
}

inline const char* describe(HeaderCheck c) {
    switch (c) {
        case HeaderCheck::Ok: return "ok";
        case HeaderCheck::BadNParams: return "nparams is not 2";
        case HeaderCheck::BadParamLen: return "parameter 1 length is not 4";
        case HeaderCheck::BadLength: return "len is not 38 + payload length";
        case HeaderCheck::BadType: return "unknown frame type";
        case HeaderCheck::TooLarge: return "payload larger than maxEventBytes";
    }
    return "?";
}

}  // namespace docker_plugin::frame
