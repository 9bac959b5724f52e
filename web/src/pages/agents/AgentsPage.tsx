export default function AgentsPage() {
  return (
    <section className="page">
      <h1>AgentsPage</h1>
    </section>
  );
}
