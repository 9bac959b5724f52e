export default function SeasonsPage() {
  return (
    <section className="page">
      <h1>SeasonsPage</h1>
    </section>
  );
}
