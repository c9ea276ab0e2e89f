/**
 * What the parser's helpers throw: the message and hint without a location. `parseContainerfile`
 * adds the file and line and turns it into the HullError users see, so helpers stay pure functions
 * of their text.
 */
export class ParseProblem extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ParseProblem';
  }
}
