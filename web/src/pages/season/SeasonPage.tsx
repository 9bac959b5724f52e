export default function SeasonPage() {
  return (
    <section className="page">
      <h1>SeasonPage</h1>
    </section>
  );
}
