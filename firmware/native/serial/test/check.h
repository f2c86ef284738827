/* A minimal assertion helper for the host harness: counts failures, prints what was expected and what came. */
#ifndef AIRBOOT_CHECK_H
#define AIRBOOT_CHECK_H
#include <stdio.h>

static int check_failures = 0;
static int check_count = 0;

#define CHECK_EQ(actual, expected)                                                                                  \
	do {                                                                                                            \
		unsigned long long a_ = (unsigned long long)(actual), e_ = (unsigned long long)(expected);                   \
		check_count++;                                                                                              \
		if (a_ != e_) {                                                                                             \
			check_failures++;                                                                                       \
			printf("FAIL %s:%d: %s = %llu (0x%llx), expected %llu (0x%llx)\n", __FILE__, __LINE__, #actual, a_, a_, \
				e_, e_);                                                                                            \
		}                                                                                                           \
	} while (0)

#define CHECK_DONE(name)                                                                                            \
	(printf("%s: %d checks, %d failed\n", name, check_count, check_failures), check_failures == 0 ? 0 : 1)

#endif
