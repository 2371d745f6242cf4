// The login form posts the credentials as JSON to /auth/login, which sets
// the session cookies; then the browser goes where it was headed.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("login");
  if (!form) return;
  const error = document.getElementById("login-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const res = await fetch(form.dataset.endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: form.elements.email.value, password: form.elements.password.value }),
      credentials: "same-origin",
    });
    if (res.status === 204) {
      window.location.assign(form.dataset.next);
      return;
    }
    error.textContent = (await res.text()) || `Sign-in failed (${res.status})`;
    error.hidden = false;
  });
});
