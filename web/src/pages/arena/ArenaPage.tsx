export default function ArenaPage() {
  return (
    <section className="page">
      <h1>ArenaPage</h1>
    </section>
  );
}
