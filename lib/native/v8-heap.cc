/*
 * shrink(): tell V8 that memory is critically short, so it collects everything it can, compacts, and
 * gives its young generation back to its initial size (two 1 MB semi-spaces).
 *
 * Why: a big job (a 50,000-label reprice) runs faster with a young generation that may grow to
 * 2 x 16 MB (lib/young-generation.ts youngGenerationRoomy), but V8 shrinks it again only after ~8 s of
 * low allocation, and until then a store box holds 30 MB it does not need. Node offers no way to say
 * "memory is short" from JavaScript (neither gc() nor its last-resort flavour shrinks the young
 * generation on Node 20), hence this addon. It uses V8's own API, not Node-API, so it only loads into
 * the Node it was compiled for (npm ci / npm run build compile it); anywhere else the controller runs
 * the same and V8 shrinks the young generation later by itself.
 */
#include <node.h>
#include <v8.h>

static void Shrink(const v8::FunctionCallbackInfo<v8::Value>& args) {
  args.GetIsolate()->MemoryPressureNotification(v8::MemoryPressureLevel::kCritical);
}

static void Init(v8::Local<v8::Object> exports, v8::Local<v8::Value>, void*) {
  NODE_SET_METHOD(exports, "shrink", Shrink);
}

NODE_MODULE(NODE_GYP_MODULE_NAME, Init)
