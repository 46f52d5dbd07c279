/*
 * asexor-memtrim: a Node-API addon with one function, `trim()`, that asks glibc's malloc to give
 * free memory back to the OS (malloc_trim(0): every arena, not only the top of the main heap).
 *
 * Why: memory that V8's GC helper threads, libuv and the socket wrappers malloc'd and freed stays
 * in glibc's arenas as free chunks that glibc does not return by itself; RSS keeps it. The idle GC
 * of the long-running commands (cli/idle-gc.ts) calls this right after its full GC, while the
 * process is idle. Measured effect and the pure-Node path: docs/router-memory.md, "malloc_trim".
 *
 * Returns true when memory was released, false when none was or when the C library has no
 * malloc_trim (musl): the caller treats both the same.
 */
#include <node_api.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static napi_value trim(napi_env env, napi_callback_info info) {
  (void)info;
  int released = 0;
#if defined(__GLIBC__)
  released = malloc_trim(0);
#endif
  napi_value result;
  if (napi_get_boolean(env, released != 0, &result) != napi_ok) return NULL;
  return result;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value fn;
  if (napi_create_function(env, "trim", NAPI_AUTO_LENGTH, trim, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "trim", fn) != napi_ok) return NULL;
  return exports;
}
