//! Mapbox Vector Tile 2.1 encoding of point layers: the few protobuf messages a point tile
//! needs (`Tile.layers`, `Layer`, `Feature`, `Value`), written by hand — a tile is a handful
//! of varints and length-delimited fields, no schema compiler needed.

/// A layer of point features with unsigned integer properties.
pub struct Layer {
    name: String,
    keys: Vec<String>,
    values: Vec<u64>,
    /// Encoded features.
    features: Vec<Vec<u8>>,
}

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A field key: number and wire type (0 varint, 2 length-delimited).
fn key(field: u32, wire: u32, out: &mut Vec<u8>) {
    varint(u64::from((field << 3) | wire), out);
}

fn bytes(field: u32, data: &[u8], out: &mut Vec<u8>) {
    key(field, 2, out);
    varint(data.len() as u64, out);
    out.extend_from_slice(data);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

impl Layer {
    pub fn new(name: &str) -> Layer {
        Layer {
            name: name.to_string(),
            keys: Vec::new(),
            values: Vec::new(),
            features: Vec::new(),
        }
    }

    fn index<T: PartialEq>(list: &mut Vec<T>, item: T) -> u32 {
        match list.iter().position(|x| *x == item) {
            Some(i) => i as u32,
            None => {
                list.push(item);
                (list.len() - 1) as u32
            }
        }
    }

    /// Adds a point at `x`, `y` (tile coordinates) with its properties.
    pub fn point(&mut self, x: u32, y: u32, properties: &[(&str, u64)]) {
        let mut tags = Vec::new();
        for (k, v) in properties {
            varint(
                u64::from(Self::index(&mut self.keys, (*k).to_string())),
                &mut tags,
            );
            varint(u64::from(Self::index(&mut self.values, *v)), &mut tags);
        }
        let mut geometry = Vec::new();
        // MoveTo (1) once, then the position as zigzag deltas from the origin.
        varint(1 | (1 << 3), &mut geometry);
        varint(zigzag(i64::from(x)), &mut geometry);
        varint(zigzag(i64::from(y)), &mut geometry);
        let mut f = Vec::new();
        bytes(2, &tags, &mut f);
        key(3, 0, &mut f);
        varint(1, &mut f); // POINT
        bytes(4, &geometry, &mut f);
        self.features.push(f);
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        key(15, 0, &mut out);
        varint(2, &mut out);
        bytes(1, self.name.as_bytes(), &mut out);
        for f in &self.features {
            bytes(2, f, &mut out);
        }
        for k in &self.keys {
            bytes(3, k.as_bytes(), &mut out);
        }
        for v in &self.values {
            let mut value = Vec::new();
            key(5, 0, &mut value); // uint_value
            varint(*v, &mut value);
            bytes(4, &value, &mut out);
        }
        key(5, 0, &mut out);
        varint(u64::from(super::EXTENT), &mut out);
        out
    }
}

/// A tile of these layers.
pub fn tile(layers: &[Layer]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in layers {
        bytes(3, &l.encode(), &mut out);
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    /// Reads a varint at `*at`.
    fn read(buf: &[u8], at: &mut usize) -> u64 {
        let (mut v, mut shift) = (0u64, 0);
        loop {
            let b = buf[*at];
            *at += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return v;
            }
            shift += 7;
        }
    }

    /// The fields of a message: (field number, varint value or bytes).
    fn fields(buf: &[u8]) -> Vec<(u32, u64, Vec<u8>)> {
        let mut at = 0;
        let mut out = Vec::new();
        while at < buf.len() {
            let k = read(buf, &mut at);
            let (field, wire) = ((k >> 3) as u32, k & 7);
            match wire {
                0 => out.push((field, read(buf, &mut at), Vec::new())),
                2 => {
                    let n = read(buf, &mut at) as usize;
                    out.push((field, 0, buf[at..at + n].to_vec()));
                    at += n;
                }
                w => panic!("wire type {w}"),
            }
        }
        out
    }

    /// An independent reading of a point tile: (x, y, `aantal`) per feature of layer
    /// `punten`, checking the layer's version, name, extent and keys on the way.
    pub(crate) fn decode(tile: &[u8]) -> Vec<(u32, u32, u64)> {
        let layers = fields(tile);
        assert!(layers.iter().all(|l| l.0 == 3));
        let layer = fields(&layers[0].2);
        let get = |f: u32| layer.iter().filter(|x| x.0 == f).collect::<Vec<_>>();
        assert_eq!(get(15)[0].1, 2, "version 2");
        assert_eq!(get(1)[0].2, b"punten");
        assert_eq!(get(5)[0].1, 4096);
        let keys: Vec<String> = get(3)
            .iter()
            .map(|k| String::from_utf8(k.2.clone()).unwrap())
            .collect();
        let values: Vec<u64> = get(4).iter().map(|v| fields(&v.2)[0].1).collect();
        get(2)
            .iter()
            .map(|f| {
                let f = fields(&f.2);
                let tags = &f.iter().find(|x| x.0 == 2).unwrap().2;
                let (mut at, mut n) = (0, 0);
                while at < tags.len() {
                    let (k, v) = (read(tags, &mut at), read(tags, &mut at));
                    if keys[k as usize] == "aantal" {
                        n = values[v as usize];
                    }
                }
                assert_eq!(f.iter().find(|x| x.0 == 3).unwrap().1, 1, "a point");
                let g = &f.iter().find(|x| x.0 == 4).unwrap().2;
                let mut at = 0;
                assert_eq!(read(g, &mut at), 9, "MoveTo, once");
                let unzig = |v: u64| ((v >> 1) as i64) ^ -((v & 1) as i64);
                let x = unzig(read(g, &mut at));
                let y = unzig(read(g, &mut at));
                (x as u32, y as u32, n)
            })
            .collect()
    }

    #[test]
    fn points_encode_and_read_back() {
        let mut l = super::Layer::new("punten");
        l.point(0, 0, &[("aantal", 1)]);
        l.point(4095, 17, &[("aantal", 300)]);
        l.point(2048, 2048, &[("aantal", 1)]);
        let t = super::tile(&[l]);
        assert_eq!(
            decode(&t),
            vec![(0, 0, 1), (4095, 17, 300), (2048, 2048, 1)]
        );
        assert_eq!(super::zigzag(-1), 1);
        assert_eq!(super::zigzag(1), 2);
        // An empty layer is still a valid tile.
        assert!(decode(&super::tile(&[super::Layer::new("punten")])).is_empty());
    }
}
