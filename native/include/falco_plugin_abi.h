/*
 * The Falco plugin C ABI (plugin API 3.12.0): the one declaration of it in this
 * project, shared by the plugin (native/plugin), the host-side loader
 * (native/loader) and the loader's C test fixtures (test/fixtures/plugins).
 *
 * Our own declarations, written from /work/shared/falco-plugin-abi.md and
 * limited to what this project uses; valid C99 and C++17. The checks at the
 * end pin every LP64 size and offset given there, so a layout mistake fails
 * the build instead of corrupting a plugin call.
 */
#ifndef FALCO_PLUGIN_ABI_H
#define FALCO_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Framework (plugin API) version the loader implements. */
#define SS_PLUGIN_API_VERSION_MAJOR 3
#define SS_PLUGIN_API_VERSION_MINOR 12
#define SS_PLUGIN_API_VERSION_PATCH 0
#define SS_PLUGIN_ABI_STR_(x) #x
#define SS_PLUGIN_ABI_STR(x) SS_PLUGIN_ABI_STR_(x)
/* clang-format off */
#define SS_PLUGIN_API_VERSION                                                                     \
    SS_PLUGIN_ABI_STR(SS_PLUGIN_API_VERSION_MAJOR) "." SS_PLUGIN_ABI_STR(SS_PLUGIN_API_VERSION_MINOR) \
    "." SS_PLUGIN_ABI_STR(SS_PLUGIN_API_VERSION_PATCH) /* "3.12.0" */
/* clang-format on */

/* Longest error text the host copies from get_last_error (PLUGIN_MAX_ERRLEN). */
#define SS_PLUGIN_MAX_ERRLEN 1024

/* Opaque handles. */
typedef struct ss_plugin_t ss_plugin_t;                                 /* plugin state, from init */
typedef struct ss_instance_t ss_instance_t;                             /* open capture, from open */
typedef struct ss_plugin_owner_t ss_plugin_owner_t;                     /* host object passed back to host callbacks */
typedef struct ss_plugin_init_tables_input ss_plugin_init_tables_input; /* table API, unused */
typedef struct ss_plugin_table_reader_vtable_ext ss_plugin_table_reader_vtable_ext; /* table API, unused */

/* Enums are int-sized in the ABI; these typedefs carry the values below. */
typedef int32_t ss_plugin_rc;
enum {
    SS_PLUGIN_SUCCESS = 0,
    SS_PLUGIN_FAILURE = 1,
    SS_PLUGIN_TIMEOUT = -1,
    SS_PLUGIN_EOF = 2,
    SS_PLUGIN_NOT_SUPPORTED = 3
};

typedef uint32_t ss_plugin_field_type;
enum {
    FTYPE_UINT64 = 8,
    FTYPE_STRING = 9,
    FTYPE_RELTIME = 20,
    FTYPE_ABSTIME = 21,
    FTYPE_BOOL = 25,
    FTYPE_IPADDR = 40,
    FTYPE_IPNET = 41
};

typedef int32_t ss_plugin_schema_type;
enum { SS_PLUGIN_SCHEMA_NONE = 0, SS_PLUGIN_SCHEMA_JSON = 1 };

typedef int32_t ss_plugin_log_severity;
enum {
    SS_PLUGIN_LOG_SEV_FATAL = 1,
    SS_PLUGIN_LOG_SEV_CRITICAL = 2,
    SS_PLUGIN_LOG_SEV_ERROR = 3,
    SS_PLUGIN_LOG_SEV_WARNING = 4,
    SS_PLUGIN_LOG_SEV_NOTICE = 5,
    SS_PLUGIN_LOG_SEV_INFO = 6,
    SS_PLUGIN_LOG_SEV_DEBUG = 7,
    SS_PLUGIN_LOG_SEV_TRACE = 8
};

typedef int32_t ss_plugin_metric_type;
enum { SS_PLUGIN_METRIC_TYPE_MONOTONIC = 0, SS_PLUGIN_METRIC_TYPE_NON_MONOTONIC = 1 };

typedef int32_t ss_plugin_metric_value_type;
enum {
    SS_PLUGIN_METRIC_VALUE_TYPE_U32 = 0,
    SS_PLUGIN_METRIC_VALUE_TYPE_S32 = 1,
    SS_PLUGIN_METRIC_VALUE_TYPE_U64 = 2,
    SS_PLUGIN_METRIC_VALUE_TYPE_S64 = 3,
    SS_PLUGIN_METRIC_VALUE_TYPE_D = 4, /* double */
    SS_PLUGIN_METRIC_VALUE_TYPE_F = 5, /* float */
    SS_PLUGIN_METRIC_VALUE_TYPE_I = 6  /* int */
};

typedef uint32_t ss_plugin_bool;

/* Plugin events (PPME_PLUGINEVENT_E, 4-byte parameter lengths): the header, the
 * two parameter lengths (u32: 4 and N), the plugin ID (u32), then N bytes of data. */
enum {
    SS_PLUGIN_EVENT_TYPE_PLUGIN = 322,
    SS_PLUGIN_EVENT_NPARAMS = 2,
    SS_PLUGIN_EVENT_PLUGIN_ID_LEN = 4,
    SS_PLUGIN_EVENT_PLUGIN_ID_LEN_OFFSET = 26,
    SS_PLUGIN_EVENT_PAYLOAD_LEN_OFFSET = 30,
    SS_PLUGIN_EVENT_PLUGIN_ID_OFFSET = 34,
    SS_PLUGIN_EVENT_PAYLOAD_OFFSET = 38
};

/* The event header: packed, host byte order. */
#pragma pack(push, 1)
typedef struct ss_plugin_event {
    uint64_t ts;      /* ns since epoch; UINT64_MAX: the host stamps it */
    uint64_t tid;     /* the host overwrites it for plugin events */
    uint32_t len;     /* total bytes: header, length table and data */
    uint16_t type;    /* SS_PLUGIN_EVENT_TYPE_PLUGIN */
    uint32_t nparams; /* SS_PLUGIN_EVENT_NPARAMS */
} ss_plugin_event;
#pragma pack(pop)

typedef const char* (*ss_plugin_get_owner_last_error_fn)(ss_plugin_owner_t* o);
typedef void (*ss_plugin_log_fn)(ss_plugin_owner_t* o, const char* component, const char* msg,
                                 ss_plugin_log_severity sev);

typedef struct ss_plugin_init_input {
    const char* config;
    ss_plugin_owner_t* owner;
    ss_plugin_get_owner_last_error_fn get_owner_last_error;
    const ss_plugin_init_tables_input* tables;
    ss_plugin_log_fn log_fn; /* 3.3 */
} ss_plugin_init_input;

typedef struct ss_plugin_set_config_input {
    const char* config;
} ss_plugin_set_config_input;

typedef struct ss_plugin_event_input {
    const ss_plugin_event* evt;
    uint64_t evtnum;
    const char* evtsrc;
} ss_plugin_event_input;

typedef struct ss_plugin_byte_buffer {
    uint32_t len;
    const void* ptr;
} ss_plugin_byte_buffer;

typedef union ss_plugin_extract_result {
    const char** str;
    uint64_t* u64;
    uint32_t* u32;
    ss_plugin_bool* boolean;
    ss_plugin_byte_buffer* buf;
} ss_plugin_extract_result;

typedef struct ss_plugin_extract_field {
    ss_plugin_extract_result res; /* out: the plugin's array of values */
    uint64_t res_len;             /* out: 0 = no value */
    uint32_t field_id;
    const char* field;
    const char* arg_key;
    uint64_t arg_index;
    ss_plugin_bool arg_present;
    ss_plugin_field_type ftype;
    ss_plugin_bool flist;
} ss_plugin_extract_field;

/* The deprecated table reader, embedded by value: four entry points nobody here provides. */
typedef struct ss_plugin_table_reader_vtable {
    void* entries[4];
} ss_plugin_table_reader_vtable;

typedef struct ss_plugin_extract_value_offsets { /* 3.11 */
    uint32_t* start;
    uint32_t* length;
} ss_plugin_extract_value_offsets;

typedef struct ss_plugin_field_extract_input {
    ss_plugin_owner_t* owner;
    ss_plugin_get_owner_last_error_fn get_owner_last_error;
    uint32_t num_fields;
    ss_plugin_extract_field* fields;
    ss_plugin_table_reader_vtable table_reader;
    const ss_plugin_table_reader_vtable_ext* table_reader_ext;
    ss_plugin_extract_value_offsets* value_offsets; /* 3.11; may be NULL */
} ss_plugin_field_extract_input;

typedef union ss_plugin_metric_value {
    uint32_t u32;
    int32_t s32;
    uint64_t u64;
    int64_t s64;
    double d;
    float f;
    int i;
} ss_plugin_metric_value;

typedef struct ss_plugin_metric {
    const char* name;
    ss_plugin_metric_type type;
    ss_plugin_metric_value value;
    ss_plugin_metric_value_type value_type;
} ss_plugin_metric;

#ifdef __cplusplus
} /* extern "C" */
#endif

/* Layout checks (LP64). */
#if defined(__cplusplus)
#define SS_PLUGIN_ABI_CHECK(cond, what) static_assert(cond, what)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define SS_PLUGIN_ABI_CHECK(cond, what) _Static_assert(cond, what)
#else /* C99: an array type of negative size fails the build */
#define SS_PLUGIN_ABI_CAT_(a, b) a##b
#define SS_PLUGIN_ABI_CAT(a, b) SS_PLUGIN_ABI_CAT_(a, b)
#define SS_PLUGIN_ABI_CHECK(cond, what) typedef char SS_PLUGIN_ABI_CAT(ss_plugin_abi_check_, __LINE__)[(cond) ? 1 : -1]
#endif
#define SS_PLUGIN_ABI_SIZE(type, size) SS_PLUGIN_ABI_CHECK(sizeof(type) == (size), #type " is " #size " bytes")
#define SS_PLUGIN_ABI_OFFSET(type, member, off) \
    SS_PLUGIN_ABI_CHECK(offsetof(type, member) == (off), #type "." #member " at " #off)

SS_PLUGIN_ABI_SIZE(ss_plugin_rc, 4);
SS_PLUGIN_ABI_SIZE(ss_plugin_bool, 4);

SS_PLUGIN_ABI_SIZE(ss_plugin_event, 26);
SS_PLUGIN_ABI_OFFSET(ss_plugin_event, ts, 0);
SS_PLUGIN_ABI_OFFSET(ss_plugin_event, tid, 8);
SS_PLUGIN_ABI_OFFSET(ss_plugin_event, len, 16);
SS_PLUGIN_ABI_OFFSET(ss_plugin_event, type, 20);
SS_PLUGIN_ABI_OFFSET(ss_plugin_event, nparams, 22);
SS_PLUGIN_ABI_CHECK(SS_PLUGIN_EVENT_PLUGIN_ID_LEN_OFFSET == sizeof(ss_plugin_event), "plugin ID length at 26");
SS_PLUGIN_ABI_CHECK(SS_PLUGIN_EVENT_PAYLOAD_LEN_OFFSET == SS_PLUGIN_EVENT_PLUGIN_ID_LEN_OFFSET + 4,
                    "payload length at 30");
SS_PLUGIN_ABI_CHECK(SS_PLUGIN_EVENT_PLUGIN_ID_OFFSET == SS_PLUGIN_EVENT_PAYLOAD_LEN_OFFSET + 4, "plugin ID at 34");
SS_PLUGIN_ABI_CHECK(SS_PLUGIN_EVENT_PAYLOAD_OFFSET == SS_PLUGIN_EVENT_PLUGIN_ID_OFFSET + SS_PLUGIN_EVENT_PLUGIN_ID_LEN,
                    "payload at 38");

SS_PLUGIN_ABI_SIZE(ss_plugin_init_input, 40);
SS_PLUGIN_ABI_OFFSET(ss_plugin_init_input, config, 0);
SS_PLUGIN_ABI_OFFSET(ss_plugin_init_input, owner, 8);
SS_PLUGIN_ABI_OFFSET(ss_plugin_init_input, get_owner_last_error, 16);
SS_PLUGIN_ABI_OFFSET(ss_plugin_init_input, tables, 24);
SS_PLUGIN_ABI_OFFSET(ss_plugin_init_input, log_fn, 32);

SS_PLUGIN_ABI_SIZE(ss_plugin_set_config_input, 8);

SS_PLUGIN_ABI_SIZE(ss_plugin_event_input, 24);
SS_PLUGIN_ABI_OFFSET(ss_plugin_event_input, evt, 0);
SS_PLUGIN_ABI_OFFSET(ss_plugin_event_input, evtnum, 8);
SS_PLUGIN_ABI_OFFSET(ss_plugin_event_input, evtsrc, 16);

SS_PLUGIN_ABI_SIZE(ss_plugin_byte_buffer, 16);
SS_PLUGIN_ABI_OFFSET(ss_plugin_byte_buffer, len, 0);
SS_PLUGIN_ABI_OFFSET(ss_plugin_byte_buffer, ptr, 8);

SS_PLUGIN_ABI_SIZE(ss_plugin_extract_field, 64);
SS_PLUGIN_ABI_OFFSET(ss_plugin_extract_field, res, 0);
SS_PLUGIN_ABI_OFFSET(ss_plugin_extract_field, res_len, 8);
SS_PLUGIN_ABI_OFFSET(ss_plugin_extract_field, field_id, 16);
SS_PLUGIN_ABI_OFFSET(ss_plugin_extract_field, field, 24);
SS_PLUGIN_ABI_OFFSET(ss_plugin_extract_field, arg_key, 32);
SS_PLUGIN_ABI_OFFSET(ss_plugin_extract_field, arg_index, 40);
SS_PLUGIN_ABI_OFFSET(ss_plugin_extract_field, arg_present, 48);
SS_PLUGIN_ABI_OFFSET(ss_plugin_extract_field, ftype, 52);
SS_PLUGIN_ABI_OFFSET(ss_plugin_extract_field, flist, 56);

SS_PLUGIN_ABI_SIZE(ss_plugin_table_reader_vtable, 32);
SS_PLUGIN_ABI_SIZE(ss_plugin_extract_value_offsets, 16);

SS_PLUGIN_ABI_SIZE(ss_plugin_field_extract_input, 80);
SS_PLUGIN_ABI_OFFSET(ss_plugin_field_extract_input, owner, 0);
SS_PLUGIN_ABI_OFFSET(ss_plugin_field_extract_input, get_owner_last_error, 8);
SS_PLUGIN_ABI_OFFSET(ss_plugin_field_extract_input, num_fields, 16);
SS_PLUGIN_ABI_OFFSET(ss_plugin_field_extract_input, fields, 24);
SS_PLUGIN_ABI_OFFSET(ss_plugin_field_extract_input, table_reader, 32);
SS_PLUGIN_ABI_OFFSET(ss_plugin_field_extract_input, table_reader_ext, 64);
SS_PLUGIN_ABI_OFFSET(ss_plugin_field_extract_input, value_offsets, 72);

SS_PLUGIN_ABI_SIZE(ss_plugin_metric, 32);
SS_PLUGIN_ABI_OFFSET(ss_plugin_metric, name, 0);
SS_PLUGIN_ABI_OFFSET(ss_plugin_metric, type, 8);
SS_PLUGIN_ABI_OFFSET(ss_plugin_metric, value, 16);
SS_PLUGIN_ABI_OFFSET(ss_plugin_metric, value_type, 24);

#endif /* FALCO_PLUGIN_ABI_H */
