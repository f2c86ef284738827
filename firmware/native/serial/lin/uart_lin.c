/*
 * airboot native UART on Moddable's Linux simulator (`lin`): a serial device or pty through termios, driven by
 * the GLib main loop the simulator runs (the XS thread). termios has no 1.5 stop bits and only the standard
 * B* speeds; a pty ignores speed and parity altogether (the "pty trap": framing is not simulated).
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "../ring.h"
#include "../uart_hw.h"

struct ab_hw {
	int fd;
	guint in_source;
	guint out_source;
	ab_ring rx;
	ab_ring tx;
	ab_hw_wake wake;
	void *context;
	uint8_t *storage;
};

ab_chip ab_hw_chip(void)
{
	return AB_CHIP_ESP32; /* fractional divisor: any baud in range passes; termios narrows it below */
}

static speed_t speed_for(uint32_t baud)
{
	switch (baud) {
	case 1200: return B1200;
	case 2400: return B2400;
	case 4800: return B4800;
	case 9600: return B9600;
	case 19200: return B19200;
	case 38400: return B38400;
	case 57600: return B57600;
	case 115200: return B115200;
	case 230400: return B230400;
	case 460800: return B460800;
	case 921600: return B921600;
	default: return 0;
	}
}

static int apply(ab_hw *hw, const ab_uart_format *format)
{
	struct termios tio;
	speed_t speed = speed_for(format->baud);
	static const tcflag_t sizes[4] = {CS5, CS6, CS7, CS8};
	if (speed == 0 || format->stop_bits_x2 == 3)
		return -1;
	if (tcgetattr(hw->fd, &tio) != 0)
		return -1;
	cfmakeraw(&tio);
	tio.c_cflag &= ~(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
	tio.c_cflag |= CLOCAL | CREAD | sizes[format->data_bits - 5];
	if (format->parity != AB_PARITY_NONE)
		tio.c_cflag |= PARENB | (format->parity == AB_PARITY_ODD ? PARODD : 0);
	if (format->stop_bits_x2 == 4)
		tio.c_cflag |= CSTOPB;
	cfsetispeed(&tio, speed);
	cfsetospeed(&tio, speed);
	if (tcsetattr(hw->fd, TCSANOW, &tio) != 0)
		return -1;
	tcflush(hw->fd, TCIFLUSH);
	ab_ring_clear(&hw->rx);
	return 0;
}

static gboolean on_input(GIOChannel *channel, GIOCondition condition, gpointer data)
{
	ab_hw *hw = data;
	uint8_t chunk[256];
	ssize_t got;
	(void)channel;
	if (condition & (G_IO_ERR | G_IO_HUP | G_IO_NVAL)) {
		hw->in_source = 0;
		hw->wake(hw->context, AB_EVENT_ERROR);
		return FALSE;
	}
	got = read(hw->fd, chunk, sizeof(chunk));
	if (got > 0) {
		ssize_t i;
		for (i = 0; i < got; i++)
			ab_ring_put(&hw->rx, chunk[i]);
		hw->wake(hw->context, AB_EVENT_READABLE);
	} else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
		hw->in_source = 0;
		hw->wake(hw->context, AB_EVENT_ERROR);
		return FALSE;
	}
	return TRUE;
}

static gboolean on_output(GIOChannel *channel, GIOCondition condition, gpointer data)
{
	ab_hw *hw = data;
	uint8_t chunk[256];
	uint32_t count;
	ssize_t sent;
	(void)channel;
	(void)condition;
	while ((count = ab_ring_count(&hw->tx)) > 0) {
		uint32_t i, start = hw->tx.tail;
		if (count > sizeof(chunk))
			count = sizeof(chunk);
		for (i = 0; i < count; i++)
			chunk[i] = hw->tx.data[(start + i) & hw->tx.mask];
		sent = write(hw->fd, chunk, count);
		if (sent <= 0)
			return TRUE; /* EAGAIN: the watch calls again when the device takes more */
		hw->tx.tail = (uint16_t)(hw->tx.tail + sent);
	}
	hw->out_source = 0;
	hw->wake(hw->context, AB_EVENT_WRITABLE);
	return FALSE;
}

ab_hw *ab_hw_open(const ab_hw_options *options, const ab_uart_format *format, ab_hw_wake wake, void *context,
	const char **error)
{
	ab_hw *hw;
	GIOChannel *channel;
	if (options->device == NULL || options->device[0] == 0) {
		*error = "lin: give the serial device path in the `device` option";
		return NULL;
	}
	hw = calloc(1, sizeof(ab_hw));
	if (hw == NULL) {
		*error = "no memory";
		return NULL;
	}
	hw->storage = malloc(options->rx_bytes + options->tx_bytes);
	hw->fd = open(options->device, O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (hw->storage == NULL || hw->fd < 0) {
		*error = hw->fd < 0 ? "cannot open the serial device" : "no memory";
		if (hw->fd >= 0)
			close(hw->fd);
		free(hw->storage);
		free(hw);
		return NULL;
	}
	ab_ring_init(&hw->rx, hw->storage, options->rx_bytes);
	ab_ring_init(&hw->tx, hw->storage + options->rx_bytes, options->tx_bytes);
	hw->wake = wake;
	hw->context = context;
	if (apply(hw, format) != 0) {
		*error = "termios refused the speed or format (standard speeds only, no 1.5 stop bits)";
		close(hw->fd);
		free(hw->storage);
		free(hw);
		return NULL;
	}
	channel = g_io_channel_unix_new(hw->fd);
	hw->in_source = g_io_add_watch(channel, G_IO_IN | G_IO_ERR | G_IO_HUP, on_input, hw);
	g_io_channel_unref(channel); /* the watch holds its own reference */
	return hw;
}

const char *ab_hw_configure(ab_hw *hw, const ab_uart_format *format)
{
	/* A pty refuses PARENB (tcsetattr: EINVAL): the pty trap of docs' stm32-bootloader reference. */
	return apply(hw, format) == 0 ? NULL : "termios refused the speed or format (standard speeds only, no 1.5 stop bits; a pty cannot do parity)";
}

uint32_t ab_hw_readable(ab_hw *hw)
{
	return ab_ring_count(&hw->rx);
}

uint32_t ab_hw_read(ab_hw *hw, uint8_t *out, uint32_t max)
{
	return ab_ring_read(&hw->rx, out, max);
}

uint32_t ab_hw_writable(ab_hw *hw)
{
	return ab_ring_space(&hw->tx);
}

uint32_t ab_hw_write(ab_hw *hw, const uint8_t *bytes, uint32_t length)
{
	uint32_t queued = ab_ring_write(&hw->tx, bytes, length);
	if (queued > 0 && hw->out_source == 0) {
		GIOChannel *channel = g_io_channel_unix_new(hw->fd);
		hw->out_source = g_io_add_watch(channel, G_IO_OUT, on_output, hw);
		g_io_channel_unref(channel);
	}
	return queued;
}

uint32_t ab_hw_overruns(ab_hw *hw)
{
	return hw->rx.dropped;
}

void ab_hw_close(ab_hw *hw)
{
	if (hw->in_source)
		g_source_remove(hw->in_source);
	if (hw->out_source)
		g_source_remove(hw->out_source);
	close(hw->fd);
	free(hw->storage);
	free(hw);
}

typedef struct {
	ab_hw_deliver deliver;
	void *context;
} posted_call;

static gboolean run_posted(gpointer data)
{
	posted_call *call = data;
	call->deliver(call->context);
	free(call);
	return FALSE;
}

void ab_hw_post(void *machine, ab_hw_deliver deliver, void *context)
{
	posted_call *call = malloc(sizeof(posted_call));
	(void)machine;
	if (call == NULL)
		return;
	call->deliver = deliver;
	call->context = context;
	g_idle_add(run_posted, call);
}

/* One thread (the GLib main loop) runs everything: nothing to exclude. */
void ab_hw_lock(void)
{
}

void ab_hw_unlock(void)
{
}
