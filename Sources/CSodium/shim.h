/* libsodium (Debian: libsodium-dev), as a module. Only Sodium imports it. */
#include <sodium.h>

#ifdef __linux__
#include <sys/prctl.h>
#include <sys/resource.h>

/* Keeps a process holding a key out of core files and out of reach of same-user processes'
 * /proc/PID/mem, environ and maps. A function here because Swift cannot call variadic prctl. */
static inline int portal_harden_process(void) {
  struct rlimit none = {0, 0};
  int failed = setrlimit(RLIMIT_CORE, &none);
  return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) | failed;
}
#else
static inline int portal_harden_process(void) { return 0; }
#endif
