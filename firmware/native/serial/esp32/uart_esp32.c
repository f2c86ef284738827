/*
 * airboot native UART on the ESP32, through ESP-IDF's UART driver (driver/uart.h): it owns the interrupt, the
 * pin matrix and an RX ring of the size the board profile asks for, and it applies the register quirks of the
 * ESP32 (two stop bits are set through RS485_CONF on the original ESP32, as IDF does). Speed and format are
 * validated by uart_format.c first, with the ESP32's fractional divisor (TRM "UART Controller", "Baud Rate
 * Generation"). A small task waits on the driver's event queue and wakes the binding.
 */
#include "xsmc.h"
#include "xsHost.h"

#include <stdlib.h>

#include "driver/uart.h"
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"
#include "freertos/semphr.h"
#include "freertos/task.h"

#include "../uart_hw.h"

/* Check for room in the TX buffer every 10 ms while JavaScript waits for it (the driver has no "space" event). */
#define WRITABLE_POLL_MS 10
#define EVENT_QUEUE_LENGTH 16
#define TASK_STACK_BYTES 3072
#define TASK_PRIORITY 10
/* A private event type that tells the task to end (above the driver's own uart_event_type_t values). */
#define EVENT_STOP ((uart_event_type_t)0x7F)

struct ab_hw {
	uart_port_t port;
	QueueHandle_t events;
	TaskHandle_t task;
	ab_hw_wake wake;
	void *context;
	uint32_t tx_bytes;
	volatile uint8_t want_writable;
	volatile uint32_t overruns;
	SemaphoreHandle_t stopped;
};

static portMUX_TYPE lock = portMUX_INITIALIZER_UNLOCKED;

ab_chip ab_hw_chip(void)
{
	return AB_CHIP_ESP32;
}

static uart_word_length_t word_length(const ab_uart_format *format)
{
	static const uart_word_length_t lengths[4] = {UART_DATA_5_BITS, UART_DATA_6_BITS, UART_DATA_7_BITS,
		UART_DATA_8_BITS};
	return lengths[format->data_bits - 5];
}

static uart_parity_t parity(const ab_uart_format *format)
{
	return format->parity == AB_PARITY_EVEN ? UART_PARITY_EVEN
		: format->parity == AB_PARITY_ODD   ? UART_PARITY_ODD
											: UART_PARITY_DISABLE;
}

static uart_stop_bits_t stop_bits(const ab_uart_format *format)
{
	return format->stop_bits_x2 == 4 ? UART_STOP_BITS_2
		: format->stop_bits_x2 == 3  ? UART_STOP_BITS_1_5
									 : UART_STOP_BITS_1;
}

static uint32_t tx_free(ab_hw *hw)
{
	size_t free_bytes = 0;
	if (uart_get_tx_buffer_free_size(hw->port, &free_bytes) != ESP_OK)
		return 0;
	return (uint32_t)free_bytes;
}

static void event_task(void *argument)
{
	ab_hw *hw = argument;
	uart_event_t event;
	for (;;) {
		if (xQueueReceive(hw->events, &event, pdMS_TO_TICKS(WRITABLE_POLL_MS)) == pdTRUE) {
			if (event.type == EVENT_STOP)
				break;
			switch (event.type) {
			case UART_DATA:
				hw->wake(hw->context, AB_EVENT_READABLE);
				break;
			case UART_FIFO_OVF:
			case UART_BUFFER_FULL:
				/* Bytes were lost; what is buffered is still good and JavaScript should take it. */
				hw->overruns++;
				hw->wake(hw->context, AB_EVENT_READABLE);
				break;
			default:
				break; /* parity/frame errors and breaks: the bytes themselves tell the protocol layer */
			}
		}
		if (hw->want_writable && tx_free(hw) >= hw->tx_bytes / 4) {
			hw->want_writable = 0;
			hw->wake(hw->context, AB_EVENT_WRITABLE);
		}
	}
	xSemaphoreGive(hw->stopped);
	vTaskDelete(NULL);
}

static int apply(ab_hw *hw, const ab_uart_format *format)
{
	if (uart_set_baudrate(hw->port, format->baud) != ESP_OK || uart_set_word_length(hw->port, word_length(format)) != ESP_OK
		|| uart_set_parity(hw->port, parity(format)) != ESP_OK || uart_set_stop_bits(hw->port, stop_bits(format)) != ESP_OK)
		return -1;
	uart_flush_input(hw->port); /* bytes framed the old way */
	return 0;
}

ab_hw *ab_hw_open(const ab_hw_options *options, const ab_uart_format *format, ab_hw_wake wake, void *context,
	const char **error)
{
	ab_hw *hw;
	uart_config_t config = {0};
	if (options->port < 0 || options->port >= UART_NUM_MAX) {
		*error = "no such UART";
		return NULL;
	}
	if (uart_is_driver_installed(options->port)) {
		*error = "UART in use";
		return NULL;
	}
	hw = calloc(1, sizeof(ab_hw));
	if (hw == NULL) {
		*error = "no memory";
		return NULL;
	}
	hw->port = options->port;
	hw->wake = wake;
	hw->context = context;
	hw->tx_bytes = options->tx_bytes;
	config.baud_rate = (int)format->baud;
	config.data_bits = word_length(format);
	config.parity = parity(format);
	config.stop_bits = stop_bits(format);
	config.flow_ctrl = UART_HW_FLOWCTRL_DISABLE;
	config.source_clk = UART_SCLK_DEFAULT;
	/* The driver's RX buffer is our software ring (it must exceed the 128-byte FIFO). */
	if (uart_driver_install(hw->port, (int)options->rx_bytes, (int)options->tx_bytes, EVENT_QUEUE_LENGTH, &hw->events,
			0) != ESP_OK) {
		free(hw);
		*error = "uart_driver_install failed";
		return NULL;
	}
	if (uart_param_config(hw->port, &config) != ESP_OK
		|| uart_set_pin(hw->port, options->transmit < 0 ? UART_PIN_NO_CHANGE : options->transmit,
			   options->receive < 0 ? UART_PIN_NO_CHANGE : options->receive, UART_PIN_NO_CHANGE, UART_PIN_NO_CHANGE)
			!= ESP_OK) {
		uart_driver_delete(hw->port);
		free(hw);
		*error = "UART pins or format refused";
		return NULL;
	}
	hw->stopped = xSemaphoreCreateBinary();
	if (hw->stopped == NULL
		|| xTaskCreate(event_task, "airboot-uart", TASK_STACK_BYTES, hw, TASK_PRIORITY, &hw->task) != pdPASS) {
		if (hw->stopped)
			vSemaphoreDelete(hw->stopped);
		uart_driver_delete(hw->port);
		free(hw);
		*error = "no memory for the UART task";
		return NULL;
	}
	return hw;
}

const char *ab_hw_configure(ab_hw *hw, const ab_uart_format *format)
{
	return apply(hw, format) == 0 ? NULL : "ESP-IDF refused the speed or format";
}

uint32_t ab_hw_readable(ab_hw *hw)
{
	size_t length = 0;
	uart_get_buffered_data_len(hw->port, &length);
	return (uint32_t)length;
}

uint32_t ab_hw_read(ab_hw *hw, uint8_t *out, uint32_t max)
{
	int got = uart_read_bytes(hw->port, out, max, 0);
	return got < 0 ? 0 : (uint32_t)got;
}

uint32_t ab_hw_writable(ab_hw *hw)
{
	uint32_t space = tx_free(hw);
	/* Whoever asks is about to wait for room: report it when a quarter of the buffer is free again. */
	if (space < hw->tx_bytes / 4)
		hw->want_writable = 1;
	return space;
}

uint32_t ab_hw_write(ab_hw *hw, const uint8_t *bytes, uint32_t length)
{
	/* The binding checked the space, so the driver copies into its TX ring without blocking. */
	int sent = uart_write_bytes(hw->port, (const char *)bytes, length);
	return sent < 0 ? 0 : (uint32_t)sent;
}

uint32_t ab_hw_overruns(ab_hw *hw)
{
	return hw->overruns;
}

void ab_hw_close(ab_hw *hw)
{
	uart_event_t stop = {0};
	stop.type = EVENT_STOP;
	xQueueSendToFront(hw->events, &stop, portMAX_DELAY);
	xSemaphoreTake(hw->stopped, portMAX_DELAY); /* the task no longer touches hw or calls wake */
	vSemaphoreDelete(hw->stopped);
	uart_driver_delete(hw->port);
	free(hw);
}

static ab_hw_deliver pending_deliver;

static void run_posted(void *the, void *refcon, uint8_t *message, uint16_t length)
{
	(void)the;
	(void)message;
	(void)length;
	pending_deliver(refcon);
}

void ab_hw_post(void *machine, ab_hw_deliver deliver, void *context)
{
	/* Called from the event task (or the XS task itself): the message queue of the machine is task-safe. */
	pending_deliver = deliver;
	modMessagePostToMachine((xsMachine *)machine, NULL, 0, run_posted, context);
}

void ab_hw_lock(void)
{
	portENTER_CRITICAL(&lock);
}

void ab_hw_unlock(void)
{
	portEXIT_CRITICAL(&lock);
}
