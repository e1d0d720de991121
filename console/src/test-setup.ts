import "@testing-library/jest-dom/vitest";
// jsdom has no <dialog> behaviour; the console's confirmations need its
// open/close (the browser tests use the real one).
HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
  this.open = true;
};
HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
  this.open = false;
};
