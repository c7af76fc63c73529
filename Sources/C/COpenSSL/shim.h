#ifndef C_OPENSSL_SHIM_H
#define C_OPENSSL_SHIM_H
// HMACKey uses the SHA256_CTX state functions (deprecated in 3.0, still shipped) for its precomputed-pad fast path.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/opensslv.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

// Selection masks are macro expressions Swift does not import.
static const int copenssl_selection_public_key = EVP_PKEY_PUBLIC_KEY;
static const int copenssl_selection_keypair = EVP_PKEY_KEYPAIR;
#endif
