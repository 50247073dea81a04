//! CPython's Mersenne Twister, draw for draw: a fake drawn here is the fake `random.Random`
//! would draw from the same seed, so moving a generator into Rust changes no output.

const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER: u32 = 0x8000_0000;
const LOWER: u32 = 0x7fff_ffff;

/// `init_genrand(19650218)`, where every seeding starts: computed once, at compile time.
const START: [u32; N] = {
    let mut s = [0u32; N];
    s[0] = 19_650_218;
    let mut i = 1;
    while i < N {
        s[i] = 1_812_433_253u32.wrapping_mul(s[i - 1] ^ (s[i - 1] >> 30)).wrapping_add(i as u32);
        i += 1;
    }
    s
};

/// One of `init_by_array`'s loops: `count` words from index `start`, each `step(word, previous
/// word)`, wrapping to index 1 (after `s[0]` takes `s[N - 1]`) as CPython does; written as runs
/// over slices, without the bounds checks and branches per word of the indexed form. Returns
/// where it stopped.
fn mix(s: &mut [u32; N], start: usize, count: usize, mut step: impl FnMut(u32, u32) -> u32) -> usize {
    let (mut i, mut left) = (start, count);
    while left > 0 {
        let run = left.min(N - i);
        let mut previous = s[i - 1];
        for word in &mut s[i..i + run] {
            *word = step(*word, previous);
            previous = *word;
        }
        left -= run;
        i += run;
        if i >= N {
            s[0] = s[N - 1];
            i = 1;
        }
    }
    i
}

/// A generator's state: the key of a seeding not run yet, or its words. `init_by_array` runs on
/// the first draw (a generator may draw nothing, as an e-mail's without a `+tag` does), and the
/// words live on the heap (a generator is moved about by value).
enum State {
    Pending(Vec<u32>),
    Ready(Box<[u32; N]>),
}

pub struct Mt {
    state: State,
    /// The next word drawn; `N` before the first draw.
    index: usize,
    /// How many words of the current generation are made (see `twist`).
    twisted: usize,
}

/// `random.Random(n)`'s state for a non-negative `n` given as its 32-bit words, least significant
/// first (CPython's `init_by_array` on the integer's little-endian words).
fn seeded(words: &[u32]) -> Box<[u32; N]> {
    let key: &[u32] = if words.is_empty() { &[0] } else { words };
    let mut state = Box::new(START);
    let s = &mut *state;
    let mut j = 0;
    let i = mix(s, 1, N.max(key.len()), |word, previous| {
        let mixed =
            (word ^ (previous ^ (previous >> 30)).wrapping_mul(1_664_525)).wrapping_add(key[j]).wrapping_add(j as u32);
        j = if j + 1 >= key.len() { 0 } else { j + 1 };
        mixed
    });
    let mut k = i as u32;
    mix(s, i, N - 1, |word, previous| {
        let mixed = (word ^ (previous ^ (previous >> 30)).wrapping_mul(1_566_083_941)).wrapping_sub(k);
        k = if k + 1 >= N as u32 { 1 } else { k + 1 };
        mixed
    });
    s[0] = 0x8000_0000;
    state
}

/// `seeded` of ``L`` keys (of one to four words) at once: a seeding is a chain of 1,247
/// multiplications each waiting for the one before, so the chains of several run side by side
/// in the time of one, step by step in lockstep.
fn seeded_together<const L: usize>(keys: [&[u32]; L]) -> [Box<[u32; N]>; L] {
    let mut states: [Box<[u32; N]>; L] = std::array::from_fn(|_| Box::new(START));
    let (mut i, mut j) = (1, [0usize; L]);
    for _ in 0..N {
        for (lane, state) in states.iter_mut().enumerate() {
            let (key, previous) = (keys[lane], state[i - 1]);
            state[i] = (state[i] ^ (previous ^ (previous >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j[lane]])
                .wrapping_add(j[lane] as u32);
            j[lane] = if j[lane] + 1 >= key.len() { 0 } else { j[lane] + 1 };
        }
        i += 1;
        if i >= N {
            states.iter_mut().for_each(|state| state[0] = state[N - 1]);
            i = 1;
        }
    }
    for _ in 0..N - 1 {
        for state in &mut states {
            let previous = state[i - 1];
            state[i] = (state[i] ^ (previous ^ (previous >> 30)).wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
        }
        i += 1;
        if i >= N {
            states.iter_mut().for_each(|state| state[0] = state[N - 1]);
            i = 1;
        }
    }
    states.iter_mut().for_each(|state| state[0] = 0x8000_0000);
    states
}

impl Mt {
    /// Seed those of ``generators`` not seeded yet together, up to four at a time
    /// (`seeded_together`): the draws then are the ones each would make alone.
    pub fn seed_together(generators: &mut [Mt]) {
        let mut pending: Vec<&mut Mt> =
            generators.iter_mut().filter(|mt| matches!(&mt.state, State::Pending(key) if key.len() <= 4)).collect();
        for group in pending.chunks_mut(4) {
            match group.len() {
                4 => Mt::seed_group::<4>(group),
                3 => Mt::seed_group::<3>(group),
                2 => Mt::seed_group::<2>(group),
                _ => {} // one alone: seeded on its first draw
            }
        }
    }

    fn seed_group<const L: usize>(group: &mut [&mut Mt]) {
        let keys: [Vec<u32>; L] = std::array::from_fn(|lane| match &group[lane].state {
            State::Pending(key) if !key.is_empty() => key.clone(),
            _ => vec![0], // (`seeded` reads an empty key as one zero word)
        });
        let states = seeded_together(keys.each_ref().map(Vec::as_slice));
        for (mt, state) in group.iter_mut().zip(states) {
            mt.state = State::Ready(state);
        }
    }

    fn words(&mut self) -> &mut [u32; N] {
        if let State::Pending(key) = &self.state {
            self.state = State::Ready(seeded(key));
        }
        match &mut self.state {
            State::Ready(words) => words,
            State::Pending(_) => unreachable!("seeded above"),
        }
    }

    /// `random.Random(int.from_bytes(seed, "big"))` for up to 16 bytes, seeded on its first draw.
    pub fn from_be_bytes(seed: &[u8]) -> Mt {
        let mut words: Vec<u32> =
            seed.rchunks(4).map(|chunk| chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b))).collect();
        while words.len() > 1 && words[words.len() - 1] == 0 {
            words.pop();
        }
        Mt { state: State::Pending(words), index: N, twisted: N }
    }

    /// The next word of the state's next generation, in place: the generation is made a word at
    /// a time, as far as draws reach (a fake draws a few dozen of its 624), in the order
    /// CPython's `genrand_uint32` makes all of it, so every word comes out the same.
    fn twist(s: &mut [u32; N], k: usize) {
        let mag = |y: u32| if y & 1 == 1 { MATRIX_A } else { 0 };
        let y = (s[k] & UPPER) | (s[(k + 1) % N] & LOWER);
        s[k] = s[(k + M) % N] ^ (y >> 1) ^ mag(y);
    }

    pub fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            self.index = 0;
            self.twisted = 0;
        }
        let (index, mut twisted) = (self.index, self.twisted);
        let s = self.words();
        while twisted <= index {
            Mt::twist(s, twisted);
            twisted += 1;
        }
        let mut y = s[index];
        self.twisted = twisted;
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `random()`: 53 random bits as a float in [0, 1).
    pub fn random(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `getrandbits(k)` for k up to 128: 32-bit words filled from the least significant.
    pub fn getrandbits(&mut self, k: u32) -> u128 {
        if k == 0 {
            return 0;
        }
        if k <= 32 {
            return u128::from(self.next_u32() >> (32 - k));
        }
        let (mut out, mut left, mut shift) = (0u128, k, 0u32);
        while left > 0 {
            let mut r = self.next_u32();
            if left < 32 {
                r >>= 32 - left;
            }
            out |= u128::from(r) << shift;
            shift += 32;
            left = left.saturating_sub(32);
        }
        out
    }

    /// `_randbelow(n)` for n > 0: getrandbits of n's bit length until one is below n.
    pub fn below(&mut self, n: u128) -> u128 {
        let k = 128 - n.leading_zeros();
        loop {
            let r = self.getrandbits(k);
            if r < n {
                return r;
            }
        }
    }

    /// `randint(a, b)`: a + below(b - a + 1).
    pub fn randint(&mut self, a: i64, b: i64) -> i64 {
        a + self.below((b - a + 1) as u128) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::{seeded, seeded_together, Mt};

    #[test]
    fn seeded_together_as_alone() {
        let keys: [&[u32]; 4] = [&[0x1234_5678], &[1, 2], &[u32::MAX, 0, 7], &[9, 8, 7, 6]];
        let together = seeded_together(keys);
        for (key, state) in keys.iter().zip(&together) {
            assert_eq!(**state, *seeded(key));
        }
        let seeds: [&[u8]; 5] =
            [b"0123456789abcdef", b"\x00\x00\x00\x01", b"", b"seed", b"\xff\xfe\xfd\xfc\xfb\xfa\xf9"];
        let mut generators: Vec<Mt> = seeds.iter().map(|seed| Mt::from_be_bytes(seed)).collect();
        Mt::seed_together(&mut generators);
        for (seed, mt) in seeds.iter().zip(&mut generators) {
            let mut alone = Mt::from_be_bytes(seed);
            assert_eq!(
                (0..700).map(|_| mt.next_u32()).collect::<Vec<_>>(),
                (0..700).map(|_| alone.next_u32()).collect::<Vec<_>>()
            );
        }
    }
}
