/*
 * trim(): give the C heap's free pages back to the system (glibc's malloc_trim).
 *
 * Node's Buffers, HTTP parsers, zlib and SQLite allocate through malloc. When they are freed, glibc
 * keeps the memory for the next allocation, and a burst (thousands of requests, a reprice) leaves the
 * process holding tens of MB it no longer uses: measured with `npm run bench -- --only robustness`,
 * 24 MB of 56 MB anonymous memory after 11,000 bad requests were free chunks that one malloc_trim(0)
 * returned. JavaScript cannot reach malloc_trim, hence this addon (Node-API, so one build serves every
 * Node version). Anywhere but glibc it does nothing and says so (returns null).
 */
#include <node_api.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static napi_value trim(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
#if defined(__GLIBC__)
  napi_get_boolean(env, malloc_trim(0) == 1, &result);
#else
  napi_get_null(env, &result);
#endif
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "trim", NAPI_AUTO_LENGTH, trim, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "trim", fn) != napi_ok) return NULL;
  return exports;
}
