/**
 * Keeping the memory a relay frees, so that it is not faulted in again.
 *
 * Each read of a socket is a fresh 64 KiB buffer from malloc, freed when a
 * garbage collection finds it dead: in a bulk transfer that is tens of
 * megabytes freed at once, every few dozen milliseconds. glibc gives free
 * memory at the top of its heap back to the kernel once more than its trim
 * threshold is free there (about 1-2 MB after Node starts), so the process
 * hands those megabytes back and the next reads fault them in again, page by
 * page. Measured on a 256 MB transfer through the proxy: 4,000 to 130,000
 * minor faults (how many depends on where the heap happened to be laid out),
 * against under 1,000 with the threshold raised, and half the transfer's time.
 *
 * Node has no `mallopt`. glibc raises the threshold by itself, to twice the
 * size of a block it took from mmap when that block is freed (mallopt(3),
 * "dynamic mmap threshold"; up to 32 MiB, so 64 MiB), which this does once:
 * a 32 MiB buffer, never written (so it never becomes resident), dropped at
 * once, freed by the next collection. The price: the process keeps up to
 * 64 MiB of memory it freed instead of returning it. `MALLOC_TRIM_THRESHOLD_`
 * (or any malloc tunable) in the environment turns glibc's dynamic threshold
 * off, and then this changes nothing. With another allocator it is one
 * untouched allocation, freed.
 */

/** The largest block whose free raises glibc's thresholds (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit), less malloc's header. */
const BLOCK = 32 * 1024 * 1024 - 64 * 1024;

let done = false;

/**
 * Raises glibc's trim threshold for this process to 64 MiB, once (later calls
 * do nothing). For a process whose work is relaying bytes: the netperm CLI
 * calls it when its proxy starts.
 */
export function keepFreedMemory(): void {
  if (done) return;
  done = true;
  try {
    void Buffer.allocUnsafeSlow(BLOCK);
  } catch {
    // No 32 MiB of address space to spare (a tight `ulimit -v`): the proxy
    // works as before, only without the tuning.
  }
}
