/**
 * Where a reader of a timestamped container log (`timestamps=true`: each line starts with its
 * RFC 3339 time and a space) has got to, so that reading again from a time (the apiserver's
 * sinceTime keeps whole seconds) passes on each line once. Lines are ordered by time; lines of
 * the same time are told apart by their count. Pure.
 */

export interface TimedLine {
  /** As the log gave it; '' when the line carried none. */
  time: string;
  text: string;
}

const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d) /;

/** The line's time and text; a line without a time is all text. */
export function splitTimedLine(line: string): TimedLine {
  const m = TIMESTAMP.exec(line);
  return m ? { time: m[0].slice(0, -1), text: line.slice(m[0].length) } : { time: '', text: line };
}

/** A time comparable as a string: seconds, then nine digits of fraction. Only UTC (what kubelets write) is normalised. */
function sortable(time: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(time);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}` : time;
}

export class LogCursor {
  private last = '';
  private lastSortable = '';
  /** Lines passed on at `last`. */
  private atLast = 0;
  /** Lines of `last` seen in the current read. */
  private seenAtLast = 0;

  /** The time to read again from (the apiserver rounds it down to its second), or undefined before any line. */
  get since(): string | undefined {
    return this.last ? this.last.replace(/\.\d+/, '') : undefined;
  }

  /** A new read starts: its lines are counted afresh against what was passed on. */
  restart(): void {
    this.seenAtLast = 0;
  }

  /**
   * Whether the line is new. A line without a time is always new (nothing places it); one older
   * than the last passed on, or one of the same time already counted, is not.
   */
  accept(line: TimedLine): boolean {
    if (!line.time) return true;
    const key = sortable(line.time);
    if (this.last && key < this.lastSortable) return false;
    if (this.last && key === this.lastSortable) {
      this.seenAtLast += 1;
      if (this.seenAtLast <= this.atLast) return false;
      this.atLast = this.seenAtLast;
      return true;
    }
    this.last = line.time;
    this.lastSortable = key;
    this.atLast = 1;
    this.seenAtLast = 1;
    return true;
  }
}
