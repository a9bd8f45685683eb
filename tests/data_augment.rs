//! Augmentation: determinism from the generator, exact crop/flip geometry, pixel multisets.

use sgd_complexity::data::augment::{pad_crop_flip, CropFlip, PAD};
use sgd_complexity::rng::{stream, Stream};

/// A batch of `n` images `[c, h, w]` with distinct non-zero values.
fn batch(n: usize, c: usize, h: usize, w: usize) -> Vec<f32> {
    (0..n * c * h * w).map(|i| (i + 1) as f32).collect()
}

fn sorted(v: &[f32]) -> Vec<u32> {
    let mut b: Vec<u32> = v.iter().map(|x| x.to_bits()).collect();
    b.sort_unstable();
    b
}

#[test]
fn same_generator_same_result_different_seed_different() {
    let shape = [3, 8, 8];
    let orig = batch(16, 3, 8, 8);
    let run = |seed: u64| {
        let mut x = orig.clone();
        let mut rng = stream(seed, Stream::Augment, 0);
        pad_crop_flip(&mut x, &shape, &mut rng).unwrap();
        x
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
    assert_ne!(run(1), orig);
}

#[test]
fn batch_augmentation_draws_image_by_image() {
    let shape = [2, 5, 6];
    let orig = batch(4, 2, 5, 6);
    let mut x = orig.clone();
    pad_crop_flip(&mut x, &shape, &mut stream(9, Stream::Augment, 3)).unwrap();
    let mut rng = stream(9, Stream::Augment, 3);
    let mut scratch = Vec::new();
    for (i, img) in orig.chunks_exact(60).enumerate() {
        let mut one = img.to_vec();
        CropFlip::draw(&mut rng).apply(&mut one, [2, 5, 6], &mut scratch);
        assert_eq!(one, x[i * 60..(i + 1) * 60], "image {i}");
    }
}

#[test]
fn centred_crop_is_identity_and_flip_mirrors_rows() {
    let (c, h, w) = (3, 4, 5);
    let img = batch(1, c, h, w);
    let mut scratch = Vec::new();
    let mut same = img.clone();
    CropFlip {
        dx: PAD,
        dy: PAD,
        flip: false,
    }
    .apply(&mut same, [c, h, w], &mut scratch);
    assert_eq!(same, img);

    let mut flipped = img.clone();
    CropFlip {
        dx: PAD,
        dy: PAD,
        flip: true,
    }
    .apply(&mut flipped, [c, h, w], &mut scratch);
    for row in 0..c * h {
        let mut want = img[row * w..(row + 1) * w].to_vec();
        want.reverse();
        assert_eq!(flipped[row * w..(row + 1) * w], want[..]);
    }
    // A flip only permutes pixels: the multiset of each channel is unchanged.
    for ch in 0..c {
        let r = ch * h * w..(ch + 1) * h * w;
        assert_eq!(sorted(&flipped[r.clone()]), sorted(&img[r]));
    }
}

#[test]
fn shifted_crop_moves_pixels_and_pads_with_zeros() {
    let (c, h, w) = (2, 6, 7);
    let img = batch(1, c, h, w);
    let mut scratch = Vec::new();
    for dx in 0..=2 * PAD {
        for dy in 0..=2 * PAD {
            for flip in [false, true] {
                let mut out = img.clone();
                CropFlip { dx, dy, flip }.apply(&mut out, [c, h, w], &mut scratch);
                let mut kept = Vec::new();
                for ch in 0..c {
                    for r in 0..h {
                        for col in 0..w {
                            let oc = if flip { w - 1 - col } else { col };
                            let (sr, sc) = (
                                r as i64 + dy as i64 - PAD as i64,
                                oc as i64 + dx as i64 - PAD as i64,
                            );
                            let v = out[(ch * h + r) * w + col];
                            if (0..h as i64).contains(&sr) && (0..w as i64).contains(&sc) {
                                let src = img[(ch * h + sr as usize) * w + sc as usize];
                                assert_eq!(v, src, "dx {dx} dy {dy} flip {flip} at {ch},{r},{col}");
                                kept.push(v);
                            } else {
                                assert_eq!(v, 0.0, "padding at {ch},{r},{col}");
                            }
                        }
                    }
                }
                // The kept pixels are distinct originals: a sub-multiset of the image, of the
                // size of the overlap of the window with the image.
                let overlap = c
                    * (h - (dy as i64 - PAD as i64).unsigned_abs() as usize)
                    * (w - (dx as i64 - PAD as i64).unsigned_abs() as usize);
                assert_eq!(kept.len(), overlap);
                let mut k = sorted(&kept);
                k.dedup();
                assert_eq!(k.len(), overlap);
            }
        }
    }
}

#[test]
fn offsets_and_flips_cover_their_range() {
    let mut rng = stream(0, Stream::Augment, 0);
    let mut seen = std::collections::HashSet::new();
    let mut flips = 0;
    let n = 4000;
    for _ in 0..n {
        let a = CropFlip::draw(&mut rng);
        assert!(a.dx <= 2 * PAD && a.dy <= 2 * PAD);
        seen.insert((a.dx, a.dy));
        flips += usize::from(a.flip);
    }
    assert_eq!(seen.len(), (2 * PAD + 1) * (2 * PAD + 1));
    // Binomial(4000, 1/2): sd 31.6.
    assert!((flips as f64 - 2000.0).abs() < 5.0 * 31.7, "{flips} flips");
}

#[test]
fn bad_shapes_are_errors() {
    let mut rng = stream(0, Stream::Augment, 0);
    let mut x = vec![0.0; 10];
    let msg = pad_crop_flip(&mut x, &[10], &mut rng)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("[10]"), "{msg}");
    let msg = pad_crop_flip(&mut x, &[1, 3, 3], &mut rng)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("10") && msg.contains("multiple"), "{msg}");
}
