/*
 * airboot/serial host functions (XS in C, "xsmc" API). Validation comes from uart_format.c, buffers and
 * registers from the chip file (esp/, esp32/, lin/) behind uart_hw.h. Written for airboot from the XS in C
 * documentation (Moddable SDK documentation/xs/XS in C.md: Native classes, host data, host hooks).
 */
#include "xsmc.h"

#include <stdlib.h>
#include <string.h>

#include "ring.h"
#include "uart_format.h"
#include "uart_hw.h"

typedef struct {
	xsMachine *the;
	xsSlot obj;        /* the JavaScript instance, remembered while open so callbacks have a `this` */
	xsSlot onReadable; /* undefined when not given; kept alive by the marker hook */
	xsSlot onWritable;
	xsSlot onError;
	ab_hw *hw;
	volatile uint32_t events; /* AB_EVENT_* not yet delivered; written under ab_hw_lock */
	volatile uint8_t posted;  /* a delivery is queued: later wakes only add events */
	uint8_t delivering;       /* callbacks are running: close() must not free */
	uint8_t closed;
} ab_serial;

void xs_airboot_serial_destructor(void *data);
static void serial_marker(xsMachine *the, void *data, xsMarkRoot markRoot);

static const xsHostHooks serial_hooks = {xs_airboot_serial_destructor, serial_marker, NULL};

static void serial_marker(xsMachine *the, void *data, xsMarkRoot markRoot)
{
	ab_serial *serial = data;
	(void)the;
	if (serial == NULL)
		return;
	(*markRoot)(the, &serial->onReadable);
	(*markRoot)(the, &serial->onWritable);
	(*markRoot)(the, &serial->onError);
}

static void serial_deliver(void *context);

/* Called by the chip file from its interrupt handler (ESP8266), its event task (ESP32) or the main loop (lin). */
static void AB_ISR_ATTR serial_wake(void *context, uint32_t events)
{
	ab_serial *serial = context;
	int post;
	ab_hw_lock();
	serial->events |= events;
	post = !serial->posted;
	serial->posted = 1;
	ab_hw_unlock();
	if (post)
		ab_hw_post(serial->the, serial_deliver, serial);
}

/* Stop the UART; free the record now unless a delivery still refers to it (it frees it then). */
static void serial_shutdown(ab_serial *serial)
{
	if (serial->closed)
		return;
	serial->closed = 1;
	ab_hw_close(serial->hw); /* after this no interrupt or task touches `posted` any more */
	serial->hw = NULL;
	if (!serial->posted && !serial->delivering)
		free(serial);
}

static void serial_deliver(void *context)
{
	ab_serial *serial = context;
	xsMachine *the = serial->the;
	uint32_t events;

	ab_hw_lock();
	events = serial->events;
	serial->events = 0;
	serial->posted = 0;
	ab_hw_unlock();
	if (serial->closed) {
		free(serial);
		return;
	}
	serial->delivering = 1;
	xsBeginHost(the);
	{
		if ((events & AB_EVENT_READABLE) && xsmcTest(serial->onReadable)) {
			uint32_t count = ab_hw_readable(serial->hw);
			/* ECMA-419: onReadable(count) says how many bytes wait; the callback takes them with read(). */
			if (count > 0)
				xsCallFunction1(serial->onReadable, serial->obj, xsInteger((xsIntegerValue)count));
		}
		if (!serial->closed && (events & AB_EVENT_WRITABLE) && xsmcTest(serial->onWritable))
			xsCallFunction1(serial->onWritable, serial->obj, xsInteger((xsIntegerValue)ab_hw_writable(serial->hw)));
		if (!serial->closed && (events & AB_EVENT_ERROR) && xsmcTest(serial->onError))
			xsCallFunction0(serial->onError, serial->obj);
	}
	xsEndHost(the);
	serial->delivering = 0;
	if (serial->closed && !serial->posted)
		free(serial);
}

static void throw_format_error(xsMachine *the, ab_format_error error)
{
	switch (error) {
	case AB_FORMAT_BAD_BAUD:
		xsRangeError("baud not reachable within 1%% (300 to 4500000 bit/s)");
		break;
	case AB_FORMAT_BAD_DATA_BITS:
		xsRangeError("dataBits must be 5 to 8");
		break;
	case AB_FORMAT_BAD_PARITY:
		xsRangeError("parity must be none, even or odd");
		break;
	case AB_FORMAT_BAD_STOP_BITS:
		xsRangeError("stopBits must be 1, 1.5 or 2");
		break;
	default:
		break;
	}
}

/* Arguments 7..10 (constructor) or 0..3 (configure): baud, dataBits, parity code, stop length in half bits. */
static ab_uart_format format_from_arguments(xsMachine *the, int first)
{
	ab_uart_format format;
	ab_format_error error;
	format.baud = (uint32_t)xsmcToInteger(xsArg(first));
	format.data_bits = (uint8_t)xsmcToInteger(xsArg(first + 1));
	format.parity = (ab_parity)xsmcToInteger(xsArg(first + 2));
	format.stop_bits_x2 = (uint8_t)xsmcToInteger(xsArg(first + 3));
	error = ab_format_check(&format, ab_hw_chip());
	if (error != AB_FORMAT_OK)
		throw_format_error(the, error);
	return format;
}

void xs_airboot_serial_destructor(void *data)
{
	/* Only reached for an instance that was never closed and is no longer reachable. */
	if (data != NULL)
		serial_shutdown(data);
}

/* (port, swap, receive, transmit, device, rxBytes, txBytes, baud, dataBits, parity, stopHalfBits,
 *  onReadable, onWritable, onError) — airboot_serial.js reads the options object. */
void xs_airboot_serial_constructor(xsMachine *the)
{
	ab_hw_options options;
	ab_uart_format format;
	ab_serial *serial;
	const char *error = "cannot open UART";
	char device[64];

	format = format_from_arguments(the, 7);
	memset(&options, 0, sizeof(options));
	options.port = xsmcToInteger(xsArg(0));
	options.swap = xsmcToInteger(xsArg(1));
	options.receive = xsmcToInteger(xsArg(2));
	options.transmit = xsmcToInteger(xsArg(3));
	xsmcToStringBuffer(xsArg(4), device, sizeof(device));
	options.device = device;
	options.rx_bytes = ab_ring_capacity((uint32_t)xsmcToInteger(xsArg(5)));
	options.tx_bytes = ab_ring_capacity((uint32_t)xsmcToInteger(xsArg(6)));

	serial = calloc(1, sizeof(ab_serial));
	if (serial == NULL)
		xsUnknownError("no memory");
	serial->the = the;
	serial->obj = xsThis;
	serial->onReadable = xsArg(11);
	serial->onWritable = xsArg(12);
	serial->onError = xsArg(13);
	serial->hw = ab_hw_open(&options, &format, serial_wake, serial, &error);
	if (serial->hw == NULL) {
		free(serial);
		xsUnknownError("%s", error);
	}
	xsmcSetHostData(xsThis, serial);
	xsSetHostHooks(xsThis, (xsHostHooks *)&serial_hooks);
	xsRemember(serial->obj);
	/* ECMA-419: the transmit side starts empty, so tell the owner how much it may write. */
	serial_wake(serial, AB_EVENT_WRITABLE);
}

static ab_serial *open_serial(xsMachine *the)
{
	ab_serial *serial = xsmcGetHostDataValidate(xsThis, (void *)&serial_hooks);
	if (serial == NULL || serial->closed)
		xsUnknownError("closed");
	return serial;
}

void xs_airboot_serial_close(xsMachine *the)
{
	ab_serial *serial = xsmcGetHostData(xsThis);
	if (serial == NULL)
		return;
	xsForget(serial->obj);
	xsmcSetHostData(xsThis, NULL);
	serial_shutdown(serial);
}

/* (max) — max < 0 takes everything waiting. Returns a new ArrayBuffer, or undefined when nothing waits. */
void xs_airboot_serial_read(xsMachine *the)
{
	ab_serial *serial = open_serial(the);
	xsIntegerValue max = xsmcToInteger(xsArg(0));
	uint32_t count = ab_hw_readable(serial->hw);
	void *buffer;
	if (max >= 0 && (uint32_t)max < count)
		count = (uint32_t)max;
	if (count == 0)
		return;
	buffer = xsmcSetArrayBuffer(xsResult, NULL, count);
	/* Nothing allocates between the ArrayBuffer's creation and this copy, so `buffer` cannot move. This is the
	 * only consumer and the producer only adds, so all `count` bytes are there. */
	ab_hw_read(serial->hw, buffer, count);
}

/* (bytes) — ArrayBuffer or view; all or nothing. Returns the transmit space left. */
void xs_airboot_serial_write(xsMachine *the)
{
	ab_serial *serial = open_serial(the);
	void *data;
	xsUnsignedValue length;
	xsmcGetBufferReadable(xsArg(0), &data, &length);
	/* ECMA-419 §9 write(): throws rather than queueing part of the data. */
	if (length > ab_hw_writable(serial->hw))
		xsUnknownError("would block");
	ab_hw_write(serial->hw, data, length);
	xsmcSetInteger(xsResult, (xsIntegerValue)ab_hw_writable(serial->hw));
}

/* (baud, dataBits, parity, stopHalfBits) */
void xs_airboot_serial_configure(xsMachine *the)
{
	ab_serial *serial = open_serial(the);
	ab_uart_format format = format_from_arguments(the, 0);
	const char *refused = ab_hw_configure(serial->hw, &format);
	if (refused != NULL)
		xsUnknownError("%s", refused);
}

void xs_airboot_serial_overruns(xsMachine *the)
{
	ab_serial *serial = open_serial(the);
	xsmcSetInteger(xsResult, (xsIntegerValue)ab_hw_overruns(serial->hw));
}
