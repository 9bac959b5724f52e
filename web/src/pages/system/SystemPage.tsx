export default function SystemPage() {
  return (
    <section className="page">
      <h1>SystemPage</h1>
    </section>
  );
}
