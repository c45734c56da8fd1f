#include "falco_loop.h"

#include <sys/resource.h>

#include "clock.h"
#include "errors.h"

namespace loader {

namespace {

struct CpuTimes {
    int64_t userUs;
    int64_t sysUs;
};

CpuTimes cpuNow(int who) {
    rusage ru{};
    getrusage(who, &ru);
    return {static_cast<int64_t>(ru.ru_utime.tv_sec) * 1000000 + ru.ru_utime.tv_usec,
            static_cast<int64_t>(ru.ru_stime.tv_sec) * 1000000 + ru.ru_stime.tv_usec};
}

}  // namespace

LoopResult runFalcoLoop(HostInstance& instance, const LoopOptions& options) {
    LoopResult r;
    HostState& state = instance.state();
    const CpuTimes thread0 = cpuNow(RUSAGE_THREAD);
    const CpuTimes process0 = cpuNow(RUSAGE_SELF);
    const uint64_t start = monotonicNs();

    try {
        bool done = false;
        while (!done) {
            const RawBatch batch = instance.callNextBatch();
            ++r.batches;
            r.rc = batch.rc;
            r.batchSizes.push_back(batch.nevts);
            if (batch.rc == SS_PLUGIN_TIMEOUT) ++r.timeouts;

            for (uint32_t i = 0; i < batch.nevts; ++i) {
                if (options.maxEvents > 0 && r.events >= options.maxEvents) break;
                const uint64_t originalTs = batch.evts[i] ? batch.evts[i]->ts : 0;
                const PreparedEvent ev = instance.prepareEvent(batch, i);
                ++r.events;
                if (!ev.hostStampedTs) {
                    r.latencyNs.push_back(static_cast<int64_t>(batch.returnedAtNs) - static_cast<int64_t>(originalTs));
                }
                if (options.fields.empty() || !state.acceptsEventType(ev.evt->type)) continue;
                for (const FieldRequest& f : options.fields) {
                    ++r.extractCalls;
                    state.extract(ev.evt, ev.evtnum, &f, 1,
                                  [&r, &f](falco_abi::Rc rc, const falco_abi::ExtractField* out) {
                                      if (rc != SS_PLUGIN_SUCCESS) return;
                                      const std::string problem = checkExtractResult(*out, *f.field);
                                      if (!problem.empty()) throw LoaderError(codes::kExtract, problem);
                                      r.extractedValues += out->res_len;
                                  });
                }
            }

            if (batch.rc == SS_PLUGIN_FAILURE || batch.rc == SS_PLUGIN_NOT_SUPPORTED) {
                r.error = batch.error;
                done = true;
            }
            if (batch.rc == SS_PLUGIN_EOF) done = true;
            if (options.maxEvents > 0 && r.events >= options.maxEvents) done = true;
            if (options.durationNs > 0 && monotonicNs() - start >= options.durationNs) done = true;
        }
    } catch (const LoaderError& e) {
        r.error = e.what();
        r.errorCode = e.code();
    }

    r.elapsedNs = monotonicNs() - start;
    const CpuTimes thread1 = cpuNow(RUSAGE_THREAD);
    const CpuTimes process1 = cpuNow(RUSAGE_SELF);
    r.cpuUserUs = thread1.userUs - thread0.userUs;
    r.cpuSysUs = thread1.sysUs - thread0.sysUs;
    r.processCpuUserUs = process1.userUs - process0.userUs;
    r.processCpuSysUs = process1.sysUs - process0.sysUs;
    return r;
}

}  // namespace loader
