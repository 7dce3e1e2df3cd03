// Preloaded into a child process (NODE_OPTIONS=--require) to move its clock by
// ANTON_TEST_CLOCK_OFFSET_MS, so time-based behaviour can be tested in the real
// plugin process without a test hook in the product code.
const offset = Number(process.env.ANTON_TEST_CLOCK_OFFSET_MS || 0);
if (offset) {
  const realNow = Date.now;
  Date.now = () => realNow() + offset;
  const RealDate = Date;
  globalThis.Date = class extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(Date.now());
      else super(...args);
    }
    static now() {
      return realNow() + offset;
    }
  };
}
