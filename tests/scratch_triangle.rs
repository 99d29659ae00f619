use equal_power::numeric::Context;
#[test]
fn triangle() {
    let text = r#"{"name":"t","n":"1e6","alpha":{"power_of_n":"-7/8"},"gamma":"1/100",
      "weight_box":{"min":"1","max":"1"},"outcome_set":{"box":{"lo":["0","0"],"hi":["1","1"]}},
      "population":{"types":[{"y":["0","0"],"w":["1","1"],"mass":"1"},{"y":["1","0"],"w":["1","1"],"mass":"1"},{"y":["0","1"],"w":["1","1"],"mass":"1"}]}}"#;
    let inst = equal_power::instance_file::from_str(text).unwrap();
    let ctx = Context::new(256).unwrap();
    let s = equal_power::solved::solve(&ctx, &inst).unwrap();
    let expect = (ctx.int(3) - ctx.int(3).sqrt()) / 6u32;
    println!(
        "x={} {} expect {} residual {} iters {}",
        s.eq.x[0], s.eq.x[1], expect, s.residual, s.iterations
    );
    for p in &s.programs {
        println!("lambda {} tight {} stat {}", p.lambda, p.tight, p.stationarity);
    }
    let gap = (s.eq.x[0].clone() - &expect).abs();
    println!("gap {gap}");
    for l in equal_power::lemmas::registry() {
        let e = (l.evaluate)(&s).unwrap();
        println!("{} {:?} {}", l.number, e.verdict(), e.checks.len());
    }
}
