/** Why a lab could not be brought up, listed or taken down; `detail` carries a tool's output. */
export class LabError extends Error {
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(detail ? `${message}\n${detail}` : message);
    this.name = 'LabError';
  }
}
