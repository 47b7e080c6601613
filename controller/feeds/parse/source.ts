export type ByteSource = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

/**
 * The chunks of a body. If the consumer stops early (or throws), a web stream is cancelled and an
 * async iterable is returned, as `for await` does. Note for HTTP callers: cancelling a stream that
 * wraps a raw Node `IncomingMessage` destroys the socket; Hono's request body does not (its server
 * drains the rest after the response), so an error reply still reaches the client.
 */
export async function* chunksOf(source: ByteSource): AsyncGenerator<Uint8Array> {
  if (!isWebStream(source)) {
    yield* source;
    return;
  }
  const reader = source.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

function isWebStream(source: ByteSource): source is ReadableStream<Uint8Array> {
  return typeof (source as ReadableStream<Uint8Array>).getReader === "function";
}
