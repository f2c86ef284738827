/** The XS heap in use, from Moddable's instrumentation counters (for the log and docs/device.md). */
import Instrumentation from 'instrumentation';

export interface HeapUse {
  /** Bytes of XS slots (objects, numbers, closures) in use. */
  slots: number | undefined;
  /** Bytes of XS chunks (strings, ArrayBuffers, arrays) in use. */
  chunks: number | undefined;
  /** Bytes of the system heap left (lwIP, the native UART buffer, WiFi). */
  systemFree: number | undefined;
  /** Bytes of the XS stack at its deepest since start (XS keeps the peak, xsDebug.c). */
  stackPeak: number | undefined;
}

/** The instrumentation counters read here (names from Moddable's modInstrumentation.c). */
type CounterName = 'XS Slot Heap Used' | 'XS Chunk Heap Used' | 'System Free Memory' | 'XS Stack Used';

const counter = (name: CounterName) => {
  const index = Instrumentation.map(name);
  return index === undefined ? undefined : Instrumentation.get(index);
};

export function heapUse(): HeapUse {
  return {
    slots: counter('XS Slot Heap Used'),
    chunks: counter('XS Chunk Heap Used'),
    systemFree: counter('System Free Memory'),
    stackPeak: counter('XS Stack Used'),
  };
}

export function describeHeap(use: HeapUse = heapUse()): string {
  const show = (value: number | undefined) => (value === undefined ? '?' : String(value));
  return `heap: ${show(use.slots)} B slots + ${show(use.chunks)} B chunks in use, stack peak ${show(use.stackPeak)} B; system ${show(use.systemFree)} B free`;
}
