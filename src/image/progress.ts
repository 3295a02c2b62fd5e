/** A one-line progress bar on stderr, drawn only on a terminal. */
export class ProgressBar {
  private readonly enabled = process.stderr.isTTY === true;
  private done = 0;
  private lastDraw = 0;

  constructor(
    private readonly label: string,
    private readonly total: number | undefined,
  ) {}

  add(bytes: number): void {
    this.done += bytes;
    const now = Date.now();
    if (this.enabled && now - this.lastDraw > 100) {
      this.lastDraw = now;
      this.draw();
    }
  }

  private draw(): void {
    const mb = (n: number): string => (n / 1e6).toFixed(1);
    let line: string;
    if (this.total) {
      const frac = Math.min(1, this.done / this.total);
      const width = 20;
      const full = Math.round(frac * width);
      line = `${this.label} [${'#'.repeat(full)}${'.'.repeat(width - full)}] ${Math.floor(frac * 100)}% ${mb(this.done)}/${mb(this.total)} MB`;
    } else {
      line = `${this.label} ${mb(this.done)} MB`;
    }
    process.stderr.write(`\r${line.slice(0, (process.stderr.columns || 80) - 1)}\x1b[K`);
  }

  finish(): void {
    if (!this.enabled) return;
    this.draw();
    process.stderr.write('\n');
  }
}
