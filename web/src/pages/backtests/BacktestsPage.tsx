export default function BacktestsPage() {
  return (
    <section className="page">
      <h1>BacktestsPage</h1>
    </section>
  );
}
