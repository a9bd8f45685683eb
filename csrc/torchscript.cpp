// A TorchScript module with its parameters *and buffers* reachable from Rust.
//
// tch's CModule exposes a module's parameters but not its buffers (BatchNorm's running mean and
// variance, its batch counter). The trainer must save and restore those with the weights, or a
// resumed run and a reloaded network would predict with stale statistics. This shim loads the
// module itself and hands out both lists as tensors that share storage with the module, so
// in-place copies into them reach the module.
//
// Every function catches C++ exceptions and returns the message (malloc'd, freed with
// sgdc_ts_free_string) or NULL on success. Tensors cross as `torch::Tensor*`, the representation
// tch uses (`Tensor::as_ptr` / `Tensor::from_ptr`).
#include <torch/script.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace {

char* dup(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p != nullptr) std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

template <class F>
char* guard(F f) {
  try {
    f();
    return nullptr;
  } catch (const c10::Error& e) {
    return dup(e.what_without_backtrace());
  } catch (const std::exception& e) {
    return dup(e.what());
  } catch (...) {
    return dup("unknown C++ exception");
  }
}

torch::jit::Module* mod(void* m) { return static_cast<torch::jit::Module*>(m); }

torch::Device device_of(int d) {
  return d < 0 ? torch::Device(torch::kCPU) : torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(d));
}

}  // namespace

extern "C" {

void sgdc_ts_free_string(char* s) { std::free(s); }

// Load the module at `path` onto the CPU.
char* sgdc_ts_load(const char* path, void** out) {
  *out = nullptr;
  return guard([&] { *out = new torch::jit::Module(torch::jit::load(path, torch::kCPU)); });
}

void sgdc_ts_free(void* m) { delete mod(m); }

// Training (1) or evaluation (0) mode, for BatchNorm and dropout.
char* sgdc_ts_train(void* m, int on) {
  return guard([&] { mod(m)->train(on != 0); });
}

// Move every parameter, buffer and tensor attribute to device `d` (-1: CPU, n: CUDA n).
char* sgdc_ts_to(void* m, int d) {
  return guard([&] { mod(m)->to(device_of(d)); });
}

// Call `f(data, name, tensor)` for every parameter (buffers = 0) or buffer (buffers = 1), in the
// module's order, recursively, with dotted names. The callee owns each `torch::Tensor*`.
char* sgdc_ts_named(void* m, int buffers, void* data, void (*f)(void*, const char*, void*)) {
  return guard([&] {
    if (buffers != 0) {
      for (const auto& b : mod(m)->named_buffers(true)) f(data, b.name.c_str(), new torch::Tensor(b.value));
    } else {
      for (const auto& p : mod(m)->named_parameters(true)) f(data, p.name.c_str(), new torch::Tensor(p.value));
    }
  });
}

// forward(x); the result must be a tensor. `*out` receives a new `torch::Tensor*`.
char* sgdc_ts_forward(void* m, const void* x, void** out) {
  *out = nullptr;
  return guard([&] {
    std::vector<torch::jit::IValue> args{*static_cast<const torch::Tensor*>(x)};
    torch::jit::IValue r = mod(m)->forward(args);
    if (!r.isTensor()) {
      throw std::runtime_error(std::string("forward returned a ") + r.tagKind() + ", not a tensor of logits");
    }
    *out = new torch::Tensor(r.toTensor());
  });
}
}
