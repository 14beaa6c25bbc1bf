// SPDX-License-Identifier: MIT
/* verify.c: SHA-256 (known answers, streamed = one-shot) and hex both ways. */
#include "helpers.h"

#include "verify.h"

/* FIPS 180-2 test vectors. */
static const struct {
	const char *msg, *hex;
} vectors[] = {
	{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
};

static void test_known_answers(void **state)
{
	unsigned char d[VERIFY_SHA256_LEN];
	char hex[VERIFY_SHA256_HEX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		verify_sha256_buf(vectors[i].msg, strlen(vectors[i].msg), d);
		assert_string_equal(verify_hex(d, sizeof(d), hex), vectors[i].hex);
	}
}

/* Bytes fed as they arrive, in odd-sized pieces, give the one-shot digest. */
static void test_streaming_matches_one_shot(void **state)
{
	size_t n = 1000003, off, step = 1;
	unsigned char *data = xmalloc(n), one[VERIFY_SHA256_LEN], streamed[VERIFY_SHA256_LEN];
	struct verify_sha256 *h;

	(void)state;
	for (off = 0; off < n; off++)
		data[off] = (unsigned char)(off * 7 + off / 251);
	verify_sha256_buf(data, n, one);
	h = verify_sha256_new();
	for (off = 0; off < n; off += step, step = step * 3 % 8191 + 1)
		verify_sha256_update(h, data + off, off + step > n ? n - off : step);
	verify_sha256_update(h, data, 0);
	verify_sha256_final(h, streamed);
	verify_sha256_free(h);
	verify_sha256_free(NULL);
	assert_memory_equal(one, streamed, sizeof(one));
	free(data);
}

static void test_hex_round_trip(void **state)
{
	unsigned char bytes[4] = { 0x00, 0x9f, 0xa0, 0xff }, back[4];
	char hex[9];

	(void)state;
	assert_string_equal(verify_hex(bytes, 4, hex), "009fa0ff");
	assert_int_equal(verify_unhex("009fa0ff", back, 4), 0);
	assert_memory_equal(back, bytes, 4);
	assert_int_equal(verify_unhex("009FA0FF", back, 4), 0);	/* either case */
	assert_memory_equal(back, bytes, 4);
	assert_string_equal(verify_hex(bytes, 0, hex), "");
}

static void test_unhex_rejects(void **state)
{
	static const char *const bad[] = {
		"", "009fa0f", "009fa0ff0", "009fa0ff00", "009fa0fg", "g09fa0ff", " 09fa0ff",
		"009fa0f ", "0x9fa0ff", "-09fa0ff",
	};
	unsigned char out[4];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (verify_unhex(bad[i], out, 4) != -1)
			fail_msg("verify_unhex accepted \"%s\"", bad[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_streaming_matches_one_shot),
		cmocka_unit_test(test_hex_round_trip),
		cmocka_unit_test(test_unhex_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
