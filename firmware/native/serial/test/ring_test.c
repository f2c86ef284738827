/* Host harness for ring.c: fill level across 16-bit counter wrap-around, overrun accounting, partial reads. */
#include "../ring.h"
#include "check.h"

static void rejects_bad_capacity(void)
{
	ab_ring ring;
	uint8_t storage[8];
	CHECK_EQ(ab_ring_init(&ring, storage, 6), (unsigned long long)-1);
	CHECK_EQ(ab_ring_init(&ring, storage, 1), (unsigned long long)-1);
	CHECK_EQ(ab_ring_init(&ring, storage, 65536), (unsigned long long)-1);
	CHECK_EQ(ab_ring_init(&ring, storage, 8), 0);
	CHECK_EQ(ab_ring_capacity_of(&ring), 8);
}

static void fills_and_overruns(void)
{
	ab_ring ring;
	uint8_t storage[8], out[8];
	int i;
	ab_ring_init(&ring, storage, 8);
	for (i = 0; i < 10; i++)
		ab_ring_put(&ring, (uint8_t)(i + 1));
	CHECK_EQ(ab_ring_count(&ring), 8);
	CHECK_EQ(ab_ring_space(&ring), 0);
	CHECK_EQ(ring.dropped, 2);
	/* the oldest eight survive, the two newest were dropped */
	CHECK_EQ(ab_ring_read(&ring, out, 3), 3);
	CHECK_EQ(out[0], 1);
	CHECK_EQ(out[2], 3);
	CHECK_EQ(ab_ring_get(&ring), 4);
	CHECK_EQ(ab_ring_read(&ring, out, 8), 4);
	CHECK_EQ(out[3], 8);
	CHECK_EQ(ab_ring_get(&ring), (unsigned long long)-1);
}

static void wraps_counters(void)
{
	ab_ring ring;
	uint8_t storage[256], block[100], out[100];
	uint32_t round, n, expected = 0, mismatches = 0;
	ab_ring_init(&ring, storage, 256);
	/* 1000 rounds of 100 bytes = 100 000 bytes: head and tail wrap the 16-bit counters at 65 536 */
	for (round = 0; round < 1000; round++) {
		for (n = 0; n < 100; n++)
			block[n] = (uint8_t)(round * 100 + n);
		CHECK_EQ(ab_ring_write(&ring, block, 100), 100);
		CHECK_EQ(ab_ring_count(&ring), 100);
		CHECK_EQ(ab_ring_read(&ring, out, 100), 100);
		for (n = 0; n < 100; n++)
			if (out[n] != (uint8_t)(expected++))
				mismatches++;
	}
	CHECK_EQ(mismatches, 0);
	CHECK_EQ(ab_ring_count(&ring), 0);
	CHECK_EQ(ring.dropped, 0);
}

static void partial_write_and_clear(void)
{
	ab_ring ring;
	uint8_t storage[4], bytes[6] = {1, 2, 3, 4, 5, 6};
	ab_ring_init(&ring, storage, 4);
	CHECK_EQ(ab_ring_write(&ring, bytes, 6), 4);
	/* a bulk write that does not fit is the caller's business (the binding reports "would block"): not dropped */
	CHECK_EQ(ring.dropped, 0);
	ab_ring_clear(&ring);
	CHECK_EQ(ab_ring_count(&ring), 0);
	CHECK_EQ(ab_ring_space(&ring), 4);
}

int main(void)
{
	rejects_bad_capacity();
	fills_and_overruns();
	wraps_counters();
	partial_write_and_clear();
	return CHECK_DONE("ring");
}
