export default function PromptsPage() {
  return (
    <section className="page">
      <h1>PromptsPage</h1>
    </section>
  );
}
