export default function DataPage() {
  return (
    <section className="page">
      <h1>DataPage</h1>
    </section>
  );
}
