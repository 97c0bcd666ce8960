#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hash_map.h"

#define N_KEYS 100000

static uint64_t keys[N_KEYS];

/* Sequential keys (socket cookies, connection ids): every one found, removed ones gone. */
static void test_sequential_keys_put_get_remove(void **state)
{
	struct hash_map map;

	(void)state;
	hash_map_init(&map);
	assert_null(hash_map_get(&map, 1));
	for (size_t i = 0; i < N_KEYS; i++) {
		keys[i] = 1000 + i;
		assert_int_equal(hash_map_put(&map, keys[i], &keys[i]), 0);
	}
	assert_int_equal(map.count, N_KEYS);
	assert_true(map.n_slots >= 2 * N_KEYS);
	for (size_t i = 0; i < N_KEYS; i++)
		assert_ptr_equal(hash_map_get(&map, keys[i]), &keys[i]);
	assert_null(hash_map_get(&map, 999));
	assert_null(hash_map_get(&map, 1000 + N_KEYS));
	for (size_t i = 0; i < N_KEYS; i += 2)
		assert_true(hash_map_remove(&map, keys[i], &keys[i]));
	assert_false(hash_map_remove(&map, keys[0], &keys[0]));
	assert_int_equal(map.count, N_KEYS / 2);
	for (size_t i = 0; i < N_KEYS; i++)
		assert_ptr_equal(hash_map_get(&map, keys[i]), i % 2 ? &keys[i] : NULL);
	hash_map_free(&map);
	assert_null(map.slots);
	assert_null(hash_map_get(&map, keys[1]));
}

/* Several values under one key (strings whose hashes collide): find walks them all, remove
 * takes only the one named. */
static void test_values_sharing_a_key(void **state)
{
	int a, b, c, other;
	struct hash_map map = {0};
	bool seen[3] = {false};
	void *value;
	size_t pos = 0;

	(void)state;
	assert_int_equal(hash_map_put(&map, 42, &a), 0);
	assert_int_equal(hash_map_put(&map, 7, &other), 0);
	assert_int_equal(hash_map_put(&map, 42, &b), 0);
	assert_int_equal(hash_map_put(&map, 42, &c), 0);
	while ((value = hash_map_find(&map, 42, &pos))) {
		assert_true(value == &a || value == &b || value == &c);
		seen[value == &a ? 0 : value == &b ? 1 : 2] = true;
	}
	assert_true(seen[0] && seen[1] && seen[2]);
	assert_false(hash_map_remove(&map, 42, &other));
	assert_true(hash_map_remove(&map, 42, &b));
	pos = 0;
	assert_ptr_equal(hash_map_find(&map, 42, &pos), &a);
	assert_ptr_equal(hash_map_find(&map, 42, &pos), &c);
	assert_null(hash_map_find(&map, 42, &pos));
	assert_ptr_equal(hash_map_get(&map, 7), &other);
	hash_map_free(&map);
}

/* each visits every value once, also when it removes the value it was given. */
static void test_each_visits_every_value_once(void **state)
{
	static unsigned visits[1000];
	struct hash_map map = {0};
	unsigned *value;
	size_t pos = 0, n = 0;

	(void)state;
	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal(hash_map_put(&map, i * 4096ull, &visits[i]), 0);
	while ((value = hash_map_each(&map, &pos))) {
		(*value)++;
		n++;
		if ((value - visits) % 3 == 0)
			assert_true(
			    hash_map_remove(&map, (uint64_t)(value - visits) * 4096, value));
	}
	assert_int_equal(n, 1000);
	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal(visits[i], 1);
	assert_int_equal(map.count, 1000 - 334);
	hash_map_free(&map);
}

/* A map whose values come and go (connections of a trunk) stays the size of what it holds:
 * removed slots are dropped when it is rebuilt, not grown over. */
static void test_churn_stays_small(void **state)
{
	struct hash_map map = {0};

	(void)state;
	for (uint64_t i = 0; i < 1000000; i++) {
		assert_int_equal(hash_map_put(&map, i, &keys[i % 10]), 0);
		if (i >= 10)
			assert_true(hash_map_remove(&map, i - 10, &keys[(i - 10) % 10]));
	}
	assert_int_equal(map.count, 10);
	assert_true(map.n_slots <= 64);
	for (uint64_t i = 1000000 - 10; i < 1000000; i++)
		assert_ptr_equal(hash_map_get(&map, i), &keys[i % 10]);
	hash_map_free(&map);
}

/* free_values hands every value over once, and leaves an empty map. */
static void test_free_values(void **state)
{
	struct hash_map map = {0};

	(void)state;
	for (uint64_t i = 0; i < 100; i++) {
		uint64_t *value = malloc(sizeof(*value));
		assert_non_null(value);
		*value = i;
		assert_int_equal(hash_map_put(&map, i % 7, value), 0); /* shared keys too */
	}
	hash_map_free_values(&map, free); /* ASan's build says whether each went once */
	assert_null(map.slots);
	assert_int_equal(map.count, 0);
}

static void test_hash_bytes(void **state)
{
	(void)state;
	assert_true(hash_bytes("abc@host", 8) == hash_bytes("abc@host", 8));
	assert_true(hash_bytes("abc@host", 8) != hash_bytes("abd@host", 8));
	assert_true(hash_bytes("abc@host", 8) != hash_bytes("abc@hos", 7));
	assert_true(hash_bytes("", 0) != 0);
}

/* Call-IDs that differ in a few middle bytes (a counter) spread over the top bits the map
 * takes: 100,000 of them land in about as many of 65,536 buckets as random keys would
 * (65,536 (1 - e^-1.53), about 51,300). */
static void test_hash_bytes_spreads_counters(void **state)
{
	static uint8_t seen[65536];
	size_t buckets = 0;
	char call_id[64];

	(void)state;
	for (unsigned i = 0; i < 100000; i++) {
		int n = snprintf(call_id, sizeof(call_id), "bench-%u@198.51.100.20", i);
		uint64_t h = hash_bytes(call_id, (size_t)n) * 0x9E3779B97F4A7C15ull;
		buckets += !seen[h >> 48]++;
	}
	assert_true(buckets > 49000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sequential_keys_put_get_remove),
	    cmocka_unit_test(test_values_sharing_a_key),
	    cmocka_unit_test(test_each_visits_every_value_once),
	    cmocka_unit_test(test_churn_stays_small),
	    cmocka_unit_test(test_free_values),
	    cmocka_unit_test(test_hash_bytes),
	    cmocka_unit_test(test_hash_bytes_spreads_counters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
