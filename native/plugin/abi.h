// Our own declarations of the Falco plugin C ABI (plugin API 3.x), written from
// the ABI description; only what this plugin uses. Layouts are checked below.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {

typedef struct ss_plugin_t ss_plugin_t;
typedef struct ss_instance_t ss_instance_t;
typedef struct ss_plugin_owner_t ss_plugin_owner_t;
typedef struct ss_plugin_table_init_input ss_plugin_table_init_input;

typedef int32_t ss_plugin_rc;
enum : int32_t {
    SS_PLUGIN_SUCCESS = 0,
    SS_PLUGIN_FAILURE = 1,
    SS_PLUGIN_TIMEOUT = -1,
    SS_PLUGIN_EOF = 2,
    SS_PLUGIN_NOT_SUPPORTED = 3,
};

typedef int32_t ss_plugin_schema_type;
enum : int32_t { SS_PLUGIN_SCHEMA_NONE = 0, SS_PLUGIN_SCHEMA_JSON = 1 };

typedef int32_t ss_plugin_log_severity;
enum : int32_t {
    SS_PLUGIN_LOG_SEV_FATAL = 1,
    SS_PLUGIN_LOG_SEV_CRITICAL = 2,
    SS_PLUGIN_LOG_SEV_ERROR = 3,
    SS_PLUGIN_LOG_SEV_WARNING = 4,
    SS_PLUGIN_LOG_SEV_NOTICE = 5,
    SS_PLUGIN_LOG_SEV_INFO = 6,
    SS_PLUGIN_LOG_SEV_DEBUG = 7,
    SS_PLUGIN_LOG_SEV_TRACE = 8,
};

enum : uint32_t {
    FTYPE_UINT64 = 8,
    FTYPE_STRING = 9,
    FTYPE_ABSTIME = 21,
};

typedef uint32_t ss_plugin_bool;

#pragma pack(push, 1)
struct ss_plugin_event {
    uint64_t ts;
    uint64_t tid;
    uint32_t len;
    uint16_t type;
    uint32_t nparams;
};
#pragma pack(pop)

typedef const char* (*ss_plugin_get_owner_last_error_fn)(ss_plugin_owner_t* o);
typedef void (*ss_plugin_log_fn)(ss_plugin_owner_t* o, const char* component, const char* msg,
                                 ss_plugin_log_severity sev);

struct ss_plugin_init_input {
    const char* config;
    ss_plugin_owner_t* owner;
    ss_plugin_get_owner_last_error_fn get_owner_last_error;
    const ss_plugin_table_init_input* tables;
    ss_plugin_log_fn log_fn;
};

struct ss_plugin_event_input {
    const ss_plugin_event* evt;
    uint64_t evtnum;
    const char* evtsrc;
};

struct ss_plugin_byte_buffer {
    uint32_t len;
    const void* ptr;
};

union ss_plugin_extract_result {
    const char** str;
    uint64_t* u64;
    uint32_t* u32;
    ss_plugin_bool* boolean;
    ss_plugin_byte_buffer* buf;
};

struct ss_plugin_extract_field {
    ss_plugin_extract_result res;
    uint64_t res_len;
    uint32_t field_id;
    const char* field;
    const char* arg_key;
    uint64_t arg_index;
    ss_plugin_bool arg_present;
    uint32_t ftype;
    ss_plugin_bool flist;
};

struct ss_plugin_extract_value_offsets {
    uint32_t* start;
    uint32_t* length;
};

struct ss_plugin_field_extract_input {
    ss_plugin_owner_t* owner;
    ss_plugin_get_owner_last_error_fn get_owner_last_error;
    uint32_t num_fields;
    ss_plugin_extract_field* fields;
    void* table_reader[4];  // deprecated vtable, unused here
    void* table_reader_ext;
    ss_plugin_extract_value_offsets* value_offsets;
};

typedef int32_t ss_plugin_metric_value_type;
enum : int32_t {
    SS_PLUGIN_METRIC_VALUE_TYPE_U32 = 0,
    SS_PLUGIN_METRIC_VALUE_TYPE_U64 = 2,
    SS_PLUGIN_METRIC_VALUE_TYPE_D = 4,
};
typedef int32_t ss_plugin_metric_type;
enum : int32_t { SS_PLUGIN_METRIC_TYPE_MONOTONIC = 0, SS_PLUGIN_METRIC_TYPE_NON_MONOTONIC = 1 };

union ss_plugin_metric_value {
    uint32_t u32;
    int32_t s32;
    uint64_t u64;
    int64_t s64;
    double d;
    float f;
    int i;
};

struct ss_plugin_metric {
    const char* name;
    ss_plugin_metric_type type;
    ss_plugin_metric_value value;
    ss_plugin_metric_value_type value_type;
};

}  // extern "C"

static_assert(sizeof(ss_plugin_event) == 26, "ss_plugin_event is packed, 26 bytes");
static_assert(sizeof(ss_plugin_init_input) == 40, "init input layout");
static_assert(sizeof(ss_plugin_event_input) == 24, "event input layout");
static_assert(sizeof(ss_plugin_byte_buffer) == 16, "byte buffer layout");
static_assert(sizeof(ss_plugin_extract_field) == 64, "extract field layout");
static_assert(offsetof(ss_plugin_extract_field, arg_index) == 40, "extract field layout");
static_assert(offsetof(ss_plugin_extract_field, flist) == 56, "extract field layout");
static_assert(sizeof(ss_plugin_field_extract_input) == 80, "extract input layout");
static_assert(offsetof(ss_plugin_field_extract_input, value_offsets) == 72, "extract input layout");
static_assert(sizeof(ss_plugin_metric) == 32, "metric layout");
static_assert(offsetof(ss_plugin_metric, value) == 16, "metric layout");
