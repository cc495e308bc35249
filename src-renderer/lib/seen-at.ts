/** When cached rows were seen: `14:05` today, `2026-11-29 14:05` on another day (local time). */
export function formatSeenAt(at: number, now: number): string {
  const when = new Date(at);
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(when.getHours())}:${pad(when.getMinutes())}`;
  const today = new Date(now);
  const sameDay =
    when.getFullYear() === today.getFullYear() &&
    when.getMonth() === today.getMonth() &&
    when.getDate() === today.getDate();
  if (sameDay) return `at ${time}`;
  return `on ${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())} at ${time}`;
}
