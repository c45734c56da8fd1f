// A Falco-like driving loop for benchmarks: next_batch back to back (again at
// once after TIMEOUT, no sleep), the host's writes, then one extract_fields
// call per requested field per event, on the plugin's own event memory as in
// live mode. Runs on the calling thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "field_request.h"
#include "plugin_instance.h"

namespace loader {

struct LoopOptions {
    uint64_t durationNs = 0;  // 0: no time limit
    uint64_t maxEvents = 0;   // 0: no event limit
    std::vector<FieldRequest> fields;
};

struct LoopResult {
    uint64_t events = 0;
    uint64_t batches = 0;                  // next_batch calls
    uint64_t timeouts = 0;                 // calls that returned TIMEOUT
    falco_abi::Rc rc = SS_PLUGIN_SUCCESS;  // code of the last call
    std::string error;                     // plugin's last error (FAILURE) or the host's verdict
    std::string errorCode;                 // set when the host refused the batch (ERR_PLUGIN_BATCH, ...)
    std::vector<int64_t> latencyNs;        // returnedAtNs - ts, for events the plugin stamped
    std::vector<uint32_t> batchSizes;      // nevts of every call
    uint64_t extractCalls = 0;
    uint64_t extractedValues = 0;  // values returned by successful calls
    uint64_t elapsedNs = 0;
    int64_t cpuUserUs = 0;  // this thread
    int64_t cpuSysUs = 0;
    int64_t processCpuUserUs = 0;  // the whole process (plugin helper threads included)
    int64_t processCpuSysUs = 0;
};

// Stops at the first of durationNs / maxEvents / EOF / FAILURE / NOT_SUPPORTED / a refused batch.
// With neither limit it runs until the plugin ends the stream.
LoopResult runFalcoLoop(HostInstance& instance, const LoopOptions& options);

}  // namespace loader
