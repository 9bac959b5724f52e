import { Link } from 'react-router-dom';

export function NotFound() {
  return (
    <section className="page">
      <h1>Not found</h1>
      <p>
        No page here. Go to the <Link to="/">Arena</Link>.
      </p>
    </section>
  );
}
