// The kiosk's microphone tap: the audio graph's float samples (usually 48 kHz) → 16 kHz 16-bit
// mono PCM, posted to the page in 100 ms chunks (the page sends them to the server's recogniser).
class Pcm16k extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / 16000; // input samples per output sample (may be fractional)
    this.next = this.step;
    this.seen = 0;
    this.sum = 0;
    this.count = 0;
    this.chunk = new Int16Array(1600);
    this.filled = 0;
  }

  push(value) {
    const clamped = Math.max(-1, Math.min(1, value));
    this.chunk[this.filled++] = clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff;
    if (this.filled === this.chunk.length) {
      this.port.postMessage(this.chunk.buffer, [this.chunk.buffer]);
      this.chunk = new Int16Array(1600);
      this.filled = 0;
    }
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      // average the input samples that fall into each output sample (a box filter against aliasing)
      this.sum += channel[i];
      this.count++;
      this.seen++;
      if (this.seen >= this.next) {
        this.push(this.sum / this.count);
        this.sum = 0;
        this.count = 0;
        this.next += this.step;
      }
    }
    return true;
  }
}

registerProcessor("pcm16k", Pcm16k);
