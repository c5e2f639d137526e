/*
 * fuzz_trigger.c - libFuzzer target comparing the scanner's vector trigger
 * search (smtpdiag__next_trigger) with its byte-by-byte reference
 * (smtpdiag__trigger_scalar) from every start position of the input: the
 * same position and the same count of newlines before it.
 */
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;

	for (size_t from = 0; from <= size; from++) {
		uint64_t nv = 0, ns = 0;
		size_t v = smtpdiag__next_trigger(buf, from, size, &nv);
		size_t s = smtpdiag__trigger_scalar(buf, from, size, &ns);
		if (v != s || nv != ns)
			fprintf(stderr, "from %zu: vector %zu (%llu newlines), scalar %zu (%llu)\n",
				from, v, (unsigned long long)nv, s, (unsigned long long)ns);
		FUZZ_CHECK(v == s);
		FUZZ_CHECK(nv == ns);
		FUZZ_CHECK(v >= from && v <= size);
	}
	/* walking from trigger to trigger, as smtpdiag_scan does, counts every
	 * newline once */
	uint64_t lines = 0, all = 0;
	for (size_t p = 0; p < size;) {
		p = smtpdiag__next_trigger(buf, p, size, &lines);
		if (p < size)
			lines += buf[p++] == '\n';
	}
	for (size_t i = 0; i < size; i++)
		all += buf[i] == '\n';
	FUZZ_CHECK(lines == all);
	return 0;
}
