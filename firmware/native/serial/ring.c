#include "ring.h"

int ab_ring_init(ab_ring *ring, uint8_t *storage, uint32_t capacity)
{
	if (capacity < 2 || capacity > 32768u || (capacity & (capacity - 1)) != 0)
		return -1;
	ring->data = storage;
	ring->mask = (uint16_t)(capacity - 1);
	ring->head = 0;
	ring->tail = 0;
	ring->dropped = 0;
	return 0;
}

uint32_t AB_ISR_ATTR ab_ring_capacity_of(const ab_ring *ring)
{
	return (uint32_t)ring->mask + 1;
}

uint32_t AB_ISR_ATTR ab_ring_count(const ab_ring *ring)
{
	/* 16-bit subtraction: correct across wrap-around because capacity <= 32768 < 65536. */
	return (uint16_t)(ring->head - ring->tail);
}

uint32_t AB_ISR_ATTR ab_ring_space(const ab_ring *ring)
{
	return ab_ring_capacity_of(ring) - ab_ring_count(ring);
}

int AB_ISR_ATTR ab_ring_put(ab_ring *ring, uint8_t byte)
{
	if (ab_ring_space(ring) == 0) {
		ring->dropped++;
		return 0;
	}
	ring->data[ring->head & ring->mask] = byte;
	/* The byte is stored before head moves, so the consumer never sees a slot that is not written yet. */
	ring->head = (uint16_t)(ring->head + 1);
	return 1;
}

uint32_t AB_ISR_ATTR ab_ring_write(ab_ring *ring, const uint8_t *bytes, uint32_t length)
{
	uint32_t stored = 0;
	while (stored < length && ab_ring_space(ring) > 0) {
		ring->data[ring->head & ring->mask] = bytes[stored++];
		ring->head = (uint16_t)(ring->head + 1);
	}
	return stored;
}

uint32_t AB_ISR_ATTR ab_ring_read(ab_ring *ring, uint8_t *out, uint32_t max)
{
	uint32_t taken = 0;
	while (taken < max && ab_ring_count(ring) > 0) {
		out[taken++] = ring->data[ring->tail & ring->mask];
		ring->tail = (uint16_t)(ring->tail + 1);
	}
	return taken;
}

int AB_ISR_ATTR ab_ring_get(ab_ring *ring)
{
	uint8_t byte;
	if (ab_ring_count(ring) == 0)
		return -1;
	byte = ring->data[ring->tail & ring->mask];
	ring->tail = (uint16_t)(ring->tail + 1);
	return byte;
}

void AB_ISR_ATTR ab_ring_clear(ab_ring *ring)
{
	ring->tail = ring->head;
}
