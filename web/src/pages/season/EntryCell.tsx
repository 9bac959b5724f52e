// An entry's name with its colour, as every table of the page shows it.
import { Swatch } from '../../components/Values';

export function EntryCell({ name, color }: { name: string; color: string }) {
  return (
    <td className="entry-cell">
      <Swatch color={color} />
      {name}
    </td>
  );
}
