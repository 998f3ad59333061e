// Loading libcurl with dlopen and resolving the functions the otlphttp exporter calls.
#include "exporters/otlphttp/libcurl.h"

#include <dlfcn.h>

#include <stdexcept>
#include <string>

namespace otlpd::otlphttp_exporter {

namespace {

constexpr const char* kLibrary = "libcurl.so.4";

template <typename Fn>
void resolve(void* handle, const char* name, Fn& out) {
  void* sym = dlsym(handle, name);
  if (!sym) throw std::runtime_error(std::string("otlphttp exporter: ") + kLibrary + " has no " + name);
  out = reinterpret_cast<Fn>(sym);
}

LibCurl load() {
  // Never closed: the library lives as long as the process, like a linked one.
  void* handle = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    throw std::runtime_error(std::string("otlphttp exporter: cannot load ") + kLibrary +
                             " (install the libcurl4 package): " + (why ? why : "unknown error"));
  }
  LibCurl api{};
  resolve(handle, "curl_global_init", api.global_init);
  resolve(handle, "curl_easy_init", api.easy_init);
  resolve(handle, "curl_easy_cleanup", api.easy_cleanup);
  resolve(handle, "curl_easy_reset", api.easy_reset);
  resolve(handle, "curl_easy_setopt", api.easy_setopt);
  resolve(handle, "curl_easy_perform", api.easy_perform);
  resolve(handle, "curl_easy_getinfo", api.easy_getinfo);
  resolve(handle, "curl_easy_strerror", api.easy_strerror);
  resolve(handle, "curl_slist_append", api.slist_append);
  resolve(handle, "curl_slist_free_all", api.slist_free_all);
  resolve(handle, "curl_getdate", api.getdate);
  if (CURLcode rc = api.global_init(CURL_GLOBAL_DEFAULT); rc != CURLE_OK)
    throw std::runtime_error(std::string("otlphttp exporter: curl_global_init failed: ") + api.easy_strerror(rc));
  return api;
}

}  // namespace

const LibCurl& libcurl() {
  static const LibCurl api = load();  // thread-safe; an exception leaves it to be tried again
  return api;
}

}  // namespace otlpd::otlphttp_exporter
