/* libsodium (Debian: libsodium-dev), as a module. Only Sodium imports it. */
#include <sodium.h>
