// Tests run from the compiled output; child processes (not worker threads), because
// ffi-rs must be loaded on a process's main thread.
module.exports = {
  files: ['dist/test/**/*.test.js'],
  workerThreads: false,
  timeout: '3m',
  concurrency: 2,
};
