// The C# side of the expression oracle: evaluates every case of the
// generated Cases class under the invariant culture and prints one line per
// case, "id<TAB>type<TAB>value" (type "!Exception.Type" when it throws).
// Values are rendered as render.go renders PolicyGate's: see README.md.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

public static class Driver
{
    public static void Main()
    {
        Thread.CurrentThread.CurrentCulture = CultureInfo.InvariantCulture;
        Thread.CurrentThread.CurrentUICulture = CultureInfo.InvariantCulture;
        var output = new StringBuilder();
        for (int i = 0; i < Cases.Ids.Length; i++)
        {
            string type, value;
            try
            {
                object v = Cases.Funcs[i]();
                type = TypeName(v);
                value = Escape(Render(v, true));
            }
            catch (Exception ex)
            {
                type = "!" + ex.GetType().FullName;
                value = "";
            }
            output.Append(Cases.Ids[i]).Append('\t').Append(type).Append('\t').Append(value).Append('\n');
        }
        var stdout = Console.OpenStandardOutput();
        var bytes = new UTF8Encoding(false).GetBytes(output.ToString());
        stdout.Write(bytes, 0, bytes.Length);
    }

    static string TypeName(object v)
    {
        if (v == null) return "null";
        var t = v.GetType();
        if (t.IsArray) return t.GetElementType().Name + "[]";
        if (t.Name.StartsWith("<>")) return "Anonymous"; // mcs: <>__AnonType1, Roslyn: <>f__AnonymousType0`2
        if (!t.IsPublic && !t.IsNestedPublic && v is IEnumerable) return "IEnumerable";
        if (t.Namespace == "System.Linq" && v is IEnumerable && !(v is ILookup<object, object>)) return "IEnumerable";
        var name = t.Name;
        int tick = name.IndexOf('`');
        return tick < 0 ? name : name.Substring(0, tick);
    }

    static string Escape(string s)
    {
        var b = new StringBuilder();
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': b.Append("\\\\"); break;
                case '\t': b.Append("\\t"); break;
                case '\n': b.Append("\\n"); break;
                case '\r': b.Append("\\r"); break;
                default:
                    if (c < ' ' || c == '\u007f' || (c >= '\ud800' && c <= '\udfff')) b.Append("\\u").Append(((int)c).ToString("x4"));
                    else b.Append(c);
                    break;
            }
        }
        return b.ToString();
    }

    static string Render(object v, bool top)
    {
        if (v == null) return "null";
        if (v is string) return top ? (string)v : "\"" + (string)v + "\"";
        if (v is char) return top ? v.ToString() : "'" + v + "'";
        if (v is bool) return (bool)v ? "True" : "False";
        if (v is double) return RenderDouble((double)v, 17);
        if (v is float) return RenderDouble((float)v, 9);
        if (v is decimal) return ((decimal)v).ToString(CultureInfo.InvariantCulture);
        if (v is DateTime) return ((DateTime)v).ToString("o", CultureInfo.InvariantCulture);
        if (v is DateTimeOffset) return ((DateTimeOffset)v).ToString("o", CultureInfo.InvariantCulture);
        if (v is TimeSpan) return ((TimeSpan)v).ToString("c", CultureInfo.InvariantCulture);
        if (v is JToken) return ((JToken)v).ToString(Formatting.None);
        if (v is Exception) return v.GetType().FullName;
        if (v is IFormattable) return ((IFormattable)v).ToString(null, CultureInfo.InvariantCulture);
        var t = v.GetType();
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(KeyValuePair<,>))
        {
            return "[" + Render(t.GetProperty("Key").GetValue(v, null), false) + ", " + Render(t.GetProperty("Value").GetValue(v, null), false) + "]";
        }
        if (v is IEnumerable)
        {
            var parts = new List<string>();
            foreach (var x in (IEnumerable)v) parts.Add(Render(x, false));
            return "[" + string.Join(", ", parts) + "]";
        }
        return v.ToString();
    }

    // RenderDouble prints the shortest digits that parse back to the same
    // value as d.dddE+x, so that values compare apart from ToString().
    static string RenderDouble(double d, int maxDigits)
    {
        if (double.IsNaN(d)) return "NaN";
        if (double.IsPositiveInfinity(d)) return "Infinity";
        if (double.IsNegativeInfinity(d)) return "-Infinity";
        if (d == 0) return 1 / d < 0 ? "-0" : "0";
        for (int p = 1; p <= maxDigits; p++)
        {
            string s = d.ToString("E" + (p - 1), CultureInfo.InvariantCulture);
            bool same = maxDigits == 9 ? float.Parse(s, CultureInfo.InvariantCulture) == (float)d : double.Parse(s, CultureInfo.InvariantCulture) == d;
            if (same)
            {
                int e = s.IndexOf('E');
                return s.Substring(0, e) + "E" + int.Parse(s.Substring(e + 1), CultureInfo.InvariantCulture);
            }
        }
        return d.ToString("R", CultureInfo.InvariantCulture);
    }
}
