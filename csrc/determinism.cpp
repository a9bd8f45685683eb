// Switches libtorch's global determinism settings, which the tch crate does not expose.
#include <ATen/Context.h>

extern "C" {

// Turn deterministic algorithms and deterministic cuDNN on (1) or off (0), cuDNN benchmarking
// off. Returns 0 on success, 1 if libtorch threw.
int sgdc_set_deterministic(int on) {
  try {
    auto& ctx = at::globalContext();
    ctx.setDeterministicAlgorithms(on != 0, /*warn_only=*/false);
    ctx.setDeterministicCuDNN(on != 0);
    ctx.setBenchmarkCuDNN(false);
    return 0;
  } catch (...) {
    return 1;
  }
}

// Bit 0: deterministic algorithms, bit 1: deterministic cuDNN, bit 2: cuDNN benchmark.
int sgdc_determinism_state() {
  auto& ctx = at::globalContext();
  return (ctx.deterministicAlgorithms() ? 1 : 0) | (ctx.deterministicCuDNN() ? 2 : 0) |
         (ctx.benchmarkCuDNN() ? 4 : 0);
}
}
