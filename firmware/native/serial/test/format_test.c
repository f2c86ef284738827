/* Host harness for uart_format.c: expected values are worked out by hand from the datasheet formulas
 * (ESP8266: baud = 80 MHz / CLKDIV; ESP32: baud = 80 MHz / (CLKDIV + FRAG/16)) and the CONF0 field list. */
#include "../uart_format.h"
#include "check.h"

static ab_uart_format fmt(uint32_t baud, uint8_t data, ab_parity parity, uint8_t stop_x2)
{
	ab_uart_format f;
	f.baud = baud;
	f.data_bits = data;
	f.parity = parity;
	f.stop_bits_x2 = stop_x2;
	return f;
}

static void conf0(void)
{
	ab_uart_format f8n1 = fmt(115200, 8, AB_PARITY_NONE, 2);
	ab_uart_format f8e1 = fmt(115200, 8, AB_PARITY_EVEN, 2);
	ab_uart_format f8o1 = fmt(115200, 8, AB_PARITY_ODD, 2);
	ab_uart_format f7e2 = fmt(115200, 7, AB_PARITY_EVEN, 4);
	ab_uart_format f5n15 = fmt(115200, 5, AB_PARITY_NONE, 3);
	/* bit_num 3 (8 bits) << 2 = 0x0C; stop 1 << 4 = 0x10; parity_en = 0x02; odd = 0x01 */
	CHECK_EQ(ab_conf0_format_bits(&f8n1), 0x1C);
	CHECK_EQ(ab_conf0_format_bits(&f8e1), 0x1E);
	CHECK_EQ(ab_conf0_format_bits(&f8o1), 0x1F);
	/* bit_num 2 (7 bits) = 0x08; stop 3 (two bits) = 0x30; parity_en */
	CHECK_EQ(ab_conf0_format_bits(&f7e2), 0x3A);
	/* bit_num 0; stop 2 (1.5 bits) = 0x20 */
	CHECK_EQ(ab_conf0_format_bits(&f5n15), 0x20);
	CHECK_EQ(ab_conf0_format_bits(&f8e1) & ~AB_CONF0_FORMAT_MASK, 0);
}

static void clkdiv(void)
{
	/* 80e6 / 115200 = 694.4 -> 694 -> 115273 bit/s */
	CHECK_EQ(ab_clkdiv(115200, AB_CHIP_ESP8266), 694);
	CHECK_EQ(ab_clkdiv_baud(694, AB_CHIP_ESP8266), 115273);
	/* 80e6 / 921600 = 86.8 -> 87 -> 919540 bit/s (-0.22 %) */
	CHECK_EQ(ab_clkdiv(921600, AB_CHIP_ESP8266), 87);
	CHECK_EQ(ab_clkdiv_baud(87, AB_CHIP_ESP8266), 919540);
	/* ESP32: 80e6 * 16 / 921600 = 1388.9 sixteenths -> 1389 = 86 * 16 + 13 -> 86 | 13 << 20 */
	CHECK_EQ(ab_clkdiv(921600, AB_CHIP_ESP32), 86u | (13u << 20));
	CHECK_EQ(ab_clkdiv_baud(86u | (13u << 20), AB_CHIP_ESP32), 921526);
	/* 9600: 8333.3 -> 8333; ESP32 133333.3 sixteenths -> 133333 = 8333 * 16 + 5 */
	CHECK_EQ(ab_clkdiv(9600, AB_CHIP_ESP8266), 8333);
	CHECK_EQ(ab_clkdiv(9600, AB_CHIP_ESP32), 8333u | (5u << 20));
	CHECK_EQ(ab_clkdiv(0, AB_CHIP_ESP8266), 0);
}

static void validation(void)
{
	ab_uart_format f = fmt(115200, 8, AB_PARITY_EVEN, 2);
	CHECK_EQ(ab_format_check(&f, AB_CHIP_ESP8266), AB_FORMAT_OK);
	CHECK_EQ(ab_format_check(&f, AB_CHIP_ESP32), AB_FORMAT_OK);
	f.baud = 921600;
	CHECK_EQ(ab_format_check(&f, AB_CHIP_ESP8266), AB_FORMAT_OK);
	/* 4.5 Mbit/s: ESP8266 divisor 18 gives 4 444 444 (-1.2 %, over the 1 % share); ESP32 284/16 gives +0.16 % */
	f.baud = 4500000;
	CHECK_EQ(ab_format_check(&f, AB_CHIP_ESP8266), AB_FORMAT_BAD_BAUD);
	CHECK_EQ(ab_format_check(&f, AB_CHIP_ESP32), AB_FORMAT_OK);
	f.baud = 4500001;
	CHECK_EQ(ab_format_check(&f, AB_CHIP_ESP32), AB_FORMAT_BAD_BAUD);
	f.baud = 299;
	CHECK_EQ(ab_format_check(&f, AB_CHIP_ESP32), AB_FORMAT_BAD_BAUD);
	f.baud = 300;
	CHECK_EQ(ab_format_check(&f, AB_CHIP_ESP8266), AB_FORMAT_OK);
	f.data_bits = 9;
	CHECK_EQ(ab_format_check(&f, AB_CHIP_ESP8266), AB_FORMAT_BAD_DATA_BITS);
	f.data_bits = 4;
	CHECK_EQ(ab_format_check(&f, AB_CHIP_ESP8266), AB_FORMAT_BAD_DATA_BITS);
	f.data_bits = 7;
	f.parity = (ab_parity)3;
	CHECK_EQ(ab_format_check(&f, AB_CHIP_ESP8266), AB_FORMAT_BAD_PARITY);
	f.parity = AB_PARITY_ODD;
	f.stop_bits_x2 = 1;
	CHECK_EQ(ab_format_check(&f, AB_CHIP_ESP8266), AB_FORMAT_BAD_STOP_BITS);
	f.stop_bits_x2 = 5;
	CHECK_EQ(ab_format_check(&f, AB_CHIP_ESP8266), AB_FORMAT_BAD_STOP_BITS);
	f.stop_bits_x2 = 3;
	CHECK_EQ(ab_format_check(&f, AB_CHIP_ESP8266), AB_FORMAT_OK);
}

static void parsing(void)
{
	ab_parity p = AB_PARITY_NONE;
	CHECK_EQ(ab_parity_parse("even", &p), 0);
	CHECK_EQ(p, AB_PARITY_EVEN);
	CHECK_EQ(ab_parity_parse("odd", &p), 0);
	CHECK_EQ(p, AB_PARITY_ODD);
	CHECK_EQ(ab_parity_parse("none", &p), 0);
	CHECK_EQ(p, AB_PARITY_NONE);
	CHECK_EQ(ab_parity_parse("mark", &p), (unsigned long long)-1);
	CHECK_EQ(ab_parity_parse("Even", &p), (unsigned long long)-1);
	CHECK_EQ(ab_parity_parse(0, &p), (unsigned long long)-1);
	CHECK_EQ(ab_stop_bits_x2(1), 2);
	CHECK_EQ(ab_stop_bits_x2(2), 4);
	CHECK_EQ(ab_stop_bits_x2(0), 0);
	CHECK_EQ(ab_stop_bits_x2(3), 0);
}

static void conf1_and_sizes(void)
{
	ab_uart_format f8e1 = fmt(921600, 8, AB_PARITY_EVEN, 2);
	ab_uart_format slow = fmt(115200, 8, AB_PARITY_EVEN, 2);
	/* 100 | 16 << 8 | 2 << 24 | enable bit 31 */
	CHECK_EQ(ab_esp8266_conf1(100, 16, 2), 0x82001064u);
	CHECK_EQ(ab_esp8266_conf1(100, 16, 0), 0x00001064u);
	/* fields are 7 bits wide: 200 would spill into the next field without the mask */
	CHECK_EQ(ab_esp8266_conf1(200, 0, 0), 200u & 0x7Fu);
	/* 8E1 = start + 8 + parity + stop = 11 bits = 22 half bits */
	CHECK_EQ(ab_half_bits_per_char(&f8e1), 22);
	/* 921600 / 11 = 83 782 characters/s; 20 ms of them = 1676 bytes -> 2048 */
	CHECK_EQ(ab_rx_buffer_bytes(&f8e1, 20, 0), 2048);
	/* 115200 / 11 * 0.020 = 210 bytes -> the 256-byte minimum ring */
	CHECK_EQ(ab_rx_buffer_bytes(&slow, 20, 0), 256);
	CHECK_EQ(ab_rx_buffer_bytes(&slow, 20, 1000), 1024);
	/* 921600 8E1 for 1 s would be 83 782 bytes: clamped */
	CHECK_EQ(ab_rx_buffer_bytes(&f8e1, 1000, 0), AB_RX_BUFFER_MAX);
	CHECK_EQ(ab_ring_capacity(0), 256);
	CHECK_EQ(ab_ring_capacity(257), 512);
	CHECK_EQ(ab_ring_capacity(4096), 4096);
	CHECK_EQ(ab_ring_capacity(100000), AB_RX_BUFFER_MAX);
}

int main(void)
{
	conf0();
	clkdiv();
	validation();
	parsing();
	conf1_and_sizes();
	return CHECK_DONE("uart_format");
}
