/*
 * sanitized: SANITIZED is 1 in AddressSanitizer and ThreadSanitizer
 * builds (tests only), where a few things are done the plain way so the
 * sanitizer can see them (see sandbox.c and pool.c).
 */
#ifndef CAPSULED_SANITIZED_H
#define CAPSULED_SANITIZED_H

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif

#endif
