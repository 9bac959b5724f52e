export default function MarketPage() {
  return (
    <section className="page">
      <h1>MarketPage</h1>
    </section>
  );
}
